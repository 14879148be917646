// "Select all of a type" buttons: shown only when JavaScript runs (the checkboxes work without it).
document.querySelectorAll("[data-unit-group]").forEach(function (group) {
  var button = group.querySelector("[data-select-all]");
  if (!button) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    group.querySelectorAll("input[type=checkbox]").forEach(function (box) { box.checked = true; });
  });
});

// Typing in "Find a unit" hides the units whose name does not match (all stay submitted as ticked).
(function () {
  var box = document.querySelector("[data-unit-search]");
  if (!box) return;
  box.hidden = false;
  var input = box.querySelector("input");
  input.addEventListener("input", function () {
    var needle = input.value.trim().toLowerCase();
    document.querySelectorAll(".unit-choices .form-check").forEach(function (row) {
      row.hidden = needle !== "" && row.textContent.toLowerCase().indexOf(needle) === -1;
    });
  });
})();
