// Small progressive enhancements; every page works without them.
(function () {
  "use strict";
  // Filter forms submit when a select changes.
  document.querySelectorAll("form[data-autosubmit] select").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
  // Flash messages of success fade after a while.
  document.querySelectorAll(".flash-success").forEach(function (flash) {
    setTimeout(function () { flash.classList.add("faded"); }, 6000);
  });
})();
