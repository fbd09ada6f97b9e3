// Drag-and-drop onto evidence inputs: the file input takes the dropped files.
document.addEventListener("dragover", (e) => {
  const zone = e.target.closest && e.target.closest(".dropzone");
  if (zone) { e.preventDefault(); zone.classList.add("dragover"); }
});
document.addEventListener("dragleave", (e) => {
  const zone = e.target.closest && e.target.closest(".dropzone");
  if (zone) zone.classList.remove("dragover");
});
document.addEventListener("drop", (e) => {
  const zone = e.target.closest && e.target.closest(".dropzone");
  if (!zone) return;
  e.preventDefault();
  zone.classList.remove("dragover");
  zone.querySelector("input[type=file]").files = e.dataTransfer.files;
});

// A select marked data-autosubmit submits its form when changed (the language menu):
// no inline handlers, so the Content-Security-Policy can refuse them all.
document.addEventListener("change", (e) => {
  if (e.target.matches && e.target.matches("select[data-autosubmit]")) e.target.form.submit();
});

// The obligation form shows the fields of the chosen kind; without JavaScript it shows all
// of them, and the server keeps only those of the kind.
function showKindFields(form) {
  const kind = form.querySelector("select[name=kind]");
  if (!kind) return;
  form.querySelectorAll("fieldset[data-kinds]").forEach((fieldset) => {
    fieldset.hidden = !fieldset.dataset.kinds.split(" ").includes(kind.value);
  });
}
function initKindFields(root) {
  if (root.matches && root.matches("form.obligation-form")) showKindFields(root);
  if (root.querySelectorAll) root.querySelectorAll("form.obligation-form").forEach(showKindFields);
}
document.addEventListener("change", (e) => {
  const form = e.target.closest && e.target.closest("form.obligation-form");
  if (form && e.target.name === "kind") showKindFields(form);
});
document.addEventListener("DOMContentLoaded", () => initKindFields(document));
document.addEventListener("htmx:load", (e) => initKindFields(e.detail.elt));

// A letter pasted past its limit is not sent: it stays in the box with the reason beside it
// (the server checks again, and keeps the text too, up to the largest form it accepts).
document.addEventListener("submit", (e) => {
  const box = e.target.querySelector && e.target.querySelector("textarea[data-max-chars]");
  const file = e.target.querySelector && e.target.querySelector("input[type=file]");
  if (!box || (file && file.files.length)) return;
  const max = Number(box.dataset.maxChars);
  const chars = box.value.length > max ? [...box.value.replace(/\r\n?/g, "\n")].length : 0;
  let note = box.parentElement.querySelector(".too-long");
  if (chars <= max) {
    if (note) note.remove();
    box.classList.remove("is-invalid");
    return;
  }
  e.preventDefault();
  if (!note) {
    note = document.createElement("div");
    note.className = "invalid-feedback d-block too-long";
    note.setAttribute("role", "alert");
    box.after(note);
  }
  note.textContent = box.dataset.tooLong.replace("%(chars)s", chars.toLocaleString("en-US"))
    .replace("%(max)s", max.toLocaleString("en-US"));
  box.classList.add("is-invalid");
  box.focus();
});

// Stacked rows on a phone (.table-stack, pledge.css): each cell is led by its column's name,
// copied here from the table's header unless the template wrote it.
function labelStackedCells(root) {
  const tables = root.querySelectorAll ? root.querySelectorAll("table.table-stack") : [];
  tables.forEach((table) => {
    const names = Array.from(table.querySelectorAll(":scope > thead > tr:last-child > th"), (th) => th.textContent.trim());
    table.querySelectorAll(":scope > tbody > tr").forEach((row) => {
      if (row.cells.length !== names.length) return;  // a message row spanning the columns
      Array.from(row.cells).forEach((cell, i) => {
        if (!cell.hasAttribute("data-label") && names[i]) cell.dataset.label = names[i];
      });
    });
  });
}
document.addEventListener("DOMContentLoaded", () => labelStackedCells(document));
document.addEventListener("htmx:load", () => labelStackedCells(document));  // a row swapped in

// The review's exceptions: the box that ticks every listed one, and the count on the save button.
document.addEventListener("change", (e) => {
  const form = e.target.closest && e.target.closest("form#explain-form");
  if (!form) return;
  const boxes = form.querySelectorAll("input[name=occurrence]");
  if (e.target.matches("[data-check-all]")) boxes.forEach((box) => { box.checked = e.target.checked; });
  const n = [...boxes].filter((box) => box.checked).length;
  form.querySelectorAll("[data-selected-count]").forEach((el) => { el.textContent = n; });
  const all = form.querySelector("[data-check-all]");
  if (all && !e.target.matches("[data-check-all]")) all.checked = n === boxes.length;
});
