// Draws BPMN diagrams with bpmn-js's NavigatedViewer (served from static/vendor) and
// marks elements: validation problems, a case's open tasks, diff results, heatmap.
// Configuration comes from data attributes; no inline script is needed (strict CSP).
(function () {
  "use strict";

  function parse(text, fallback) {
    try { return JSON.parse(text || ""); } catch (e) { return fallback; }
  }

  function note(container, text) {
    var p = document.createElement("p");
    p.className = "note";
    p.textContent = text;
    container.replaceChildren(p);
  }

  function decorate(viewer, markers, overlays) {
    var canvas = viewer.get("canvas");
    var registry = viewer.get("elementRegistry");
    var overlayService = viewer.get("overlays");
    Object.keys(markers).forEach(function (id) {
      if (registry.get(id)) { canvas.addMarker(id, markers[id]); }
    });
    overlays.forEach(function (item) {
      if (!registry.get(item.id)) { return; }
      var badge = document.createElement("span");
      badge.className = "diagram-badge " + (item["class"] || "");
      badge.textContent = item.text;
      overlayService.add(item.id, { position: { top: -14, right: 14 }, html: badge });
    });
  }

  function draw(container) {
    if (typeof window.BpmnJS !== "function") {
      note(container, "The diagram viewer is not installed.");
      return;
    }
    var viewer = new window.BpmnJS({ container: container });
    var markers = parse(container.dataset.markers, {});
    var overlays = parse(container.dataset.overlays, []);
    fetch(container.dataset.xmlUrl, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.text();
      })
      .then(function (xml) { return viewer.importXML(xml); })
      .then(function () {
        viewer.get("canvas").zoom("fit-viewport", "auto");
        decorate(viewer, markers, overlays);
        container.classList.add("drawn");
      })
      .catch(function () { note(container, container.dataset.errorText || "The diagram could not be drawn."); });
  }

  document.querySelectorAll(".bpmn-diagram[data-xml-url]").forEach(draw);
})();
