// The reformers' pages: pick out a finding's elements on the diagram, show only the
// fields an operation takes, and follow a background simulation until it is done.
// No inline script (strict CSP); every page works without this file.
(function () {
  "use strict";

  function parse(text, fallback) {
    try { return JSON.parse(text || ""); } catch (e) { return fallback; }
  }

  // Findings: clicking one outlines its elements (bpmn-js draws each as g[data-element-id]).
  function focusFinding(item) {
    var wasOn = item.classList.contains("selected");
    document.querySelectorAll(".finding.selected").forEach(function (other) {
      other.classList.remove("selected");
      other.querySelector(".finding-head").setAttribute("aria-pressed", "false");
    });
    document.querySelectorAll(".djs-element.finding-focus").forEach(function (el) {
      el.classList.remove("finding-focus");
    });
    if (wasOn) { return; }
    item.classList.add("selected");
    item.querySelector(".finding-head").setAttribute("aria-pressed", "true");
    parse(item.dataset.elements, []).forEach(function (id) {
      document.querySelectorAll('.bpmn-diagram [data-element-id="' + CSS.escape(id) + '"]').forEach(function (el) {
        el.classList.add("finding-focus");
      });
    });
    var diagram = document.querySelector(".bpmn-diagram");
    if (diagram && diagram.getBoundingClientRect().bottom < 0) { diagram.scrollIntoView({ behavior: "smooth" }); }
  }

  document.querySelectorAll(".finding").forEach(function (item) {
    item.querySelector(".finding-head").addEventListener("click", function () { focusFinding(item); });
  });

  // The change form: only the fields the chosen operation takes.
  document.querySelectorAll(".change-form").forEach(function (form) {
    var op = form.querySelector("select[name=op]");
    function show() {
      form.querySelectorAll("[data-ops]").forEach(function (field) {
        var used = field.dataset.ops.split(" ").indexOf(op.value) >= 0;
        field.hidden = !used;
        field.querySelectorAll("input, select").forEach(function (input) { input.disabled = !used; });
      });
    }
    op.addEventListener("change", show);
    show();
  });

  // A running job: poll its status, move the bar, reload the page when it is finished.
  document.querySelectorAll("[data-job-status]").forEach(function (box) {
    var bar = box.querySelector("progress");
    var message = box.querySelector(".job-message");
    if (!bar) { return; }
    function poll() {
      fetch(box.dataset.jobStatus, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) { throw new Error("HTTP " + response.status); }
          return response.json();
        })
        .then(function (job) {
          bar.value = job.progress;
          bar.textContent = Math.round(job.progress * 100) + "%";
          if (message && job.message) { message.textContent = job.message; }
          if (job.finished) { window.location.reload(); } else { setTimeout(poll, 800); }
        })
        .catch(function () { setTimeout(poll, 3000); });
    }
    poll();
  });
})();
