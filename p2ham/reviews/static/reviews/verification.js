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

  // Chromium's PDF viewer takes the focus when it has loaded (and again when the window is resized), even in a
  // frame and even from a field being typed in: the shortcuts, and the typing, would go to the PDF. Focus that
  // moves into an evidence frame within a few seconds of a frame loading or of a resize, and not by Tab, is
  // given back to where it was. (A click into a PDF in those seconds is undone; the next one stays.)
  var SETTLE_MS = 5000;
  var lastFocus = null, lastTab = 0, unsettled = Date.now();
  function unsettle() { unsettled = Date.now(); }
  document.addEventListener("focusin", function (event) {
    if (event.target && event.target.tagName !== "IFRAME") lastFocus = event.target;
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Tab") lastTab = Date.now();
  }, true);
  document.addEventListener("load", function (event) {  // load does not bubble: listened to while capturing
    if (event.target && event.target.tagName === "IFRAME") unsettle();
  }, true);
  document.addEventListener("htmx:afterSettle", unsettle);
  window.addEventListener("resize", unsettle);
  window.addEventListener("blur", function () {
    var panel = main(), frame = document.activeElement, now = Date.now();
    if (!panel || !frame || frame.tagName !== "IFRAME" || !panel.contains(frame)) return;
    if (now - unsettled > SETTLE_MS || now - lastTab < 1000) return;
    // Not during the blur itself, when the browser would still hand the keys to the frame. (Meanwhile another
    // evidence frame may have taken the focus from this one, without another blur.)
    setTimeout(function () {
      var current = document.activeElement;
      if (!current || current.tagName !== "IFRAME" || !panel.contains(current)) return;
      var back = lastFocus && document.contains(lastFocus) ? lastFocus : panel.querySelector("#indicator-title");
      if (back) back.focus({ preventScroll: true });
    }, 0);
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
