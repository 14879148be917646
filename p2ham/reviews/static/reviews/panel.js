// The panel page: ask before the forms marked data-confirm are sent (withdrawing an adjustment, lifting a
// veto), and after a refused form bring the focus to the list of what was wrong. Everything works without
// this file; the forms that end or leave something ask for a ticked box instead.
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form && form.getAttribute ? form.getAttribute("data-confirm") : null;
    if (question && !window.confirm(question)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  function focusErrors() {
    var summary = document.querySelector("[data-error-summary]");
    if (!summary) return;
    var details = summary.closest("details");
    if (details) details.open = true;
    summary.focus();
    summary.scrollIntoView({ block: "center" });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", focusErrors);
  } else {
    focusErrors();
  }
})();
