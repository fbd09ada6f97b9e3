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
