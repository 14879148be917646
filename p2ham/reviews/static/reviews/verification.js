// Keyboard shortcuts of the verification page (listed on the page under "Keyboard shortcuts"):
//   j / Alt+ArrowDown  next indicator        k / Alt+ArrowUp  previous indicator
//   1–4                choose the verdict    Ctrl+Enter       save the verdict
// Nothing but Ctrl+Enter is taken while the person types in a field (Ctrl+Enter saves from the note too).
// After htmx brings another indicator, the focus goes to its heading (or to the error), so a screen reader
// announces where the person is, and the indicator list keeps the current one in view.
(function () {
  "use strict";

  function main() { return document.getElementById("verification-main"); }

  function typing(element) {
    if (!element || element.isContentEditable) return true;
    var tag = element.tagName;
    if (tag === "TEXTAREA" || tag === "SELECT") return true;
    if (tag !== "INPUT") return false;
    return ["radio", "checkbox", "button", "submit", "reset"].indexOf(element.type) === -1;
  }

  function go(which) {
    var panel = main();
    var link = panel && panel.querySelector('[data-nav="' + which + '"]');
    if (link) link.click();
  }

  function submit(form) {
    if (form.requestSubmit) form.requestSubmit();
    else form.dispatchEvent(new Event("submit", { bubbles: true, cancelable: true }));
  }

  document.addEventListener("keydown", function (event) {
    var panel = main();
    if (!panel || event.defaultPrevented || event.isComposing) return;
    var form = panel.querySelector("form.verification-form");
    var target = event.target;

    if ((event.ctrlKey || event.metaKey) && event.key === "Enter") {
      // Only the verdict form: Ctrl+Enter in another form's field (the return note) is left to that form.
      var owner = target && target.closest ? target.closest("form") : null;
      if (form && (!owner || owner === form)) { event.preventDefault(); submit(form); }
      return;
    }
    // Alt+arrows also open a select's list, and move within a textarea on some systems: left to fields.
    if (event.altKey && !event.ctrlKey && !event.metaKey && !typing(target) &&
        (event.key === "ArrowDown" || event.key === "ArrowUp")) {
      event.preventDefault();
      go(event.key === "ArrowDown" ? "next" : "prev");
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || typing(target)) return;
    if (event.key === "j" || event.key === "k") {
      event.preventDefault();
      go(event.key === "j" ? "next" : "prev");
    } else if (form && /^[1-4]$/.test(event.key)) {
      var radios = form.querySelectorAll("input[name=verdict]");
      var radio = radios[parseInt(event.key, 10) - 1];
      if (radio && !radio.disabled) {
        event.preventDefault();
        radio.checked = true;
        radio.focus();
        radio.dispatchEvent(new Event("change", { bubbles: true }));
      }
    }
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    var panel = main();
    if (!panel || !event.detail || !event.detail.elt) return;
    // Only when the indicator panel itself was replaced (not for the out-of-band parts).
    if (event.detail.elt !== panel && !panel.contains(event.detail.elt) && event.detail.target !== panel) return;
    var focus = panel.querySelector("[data-autofocus]") || panel.querySelector("#indicator-title");
    if (focus) focus.focus({ preventScroll: false });
    var current = document.querySelector('#verification-nav [aria-current="true"]');
    if (current && current.scrollIntoView) current.scrollIntoView({ block: "nearest" });
  });
})();
