// Small behaviours, without inline script (so that a Content Security Policy can forbid it).
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) {
    window.print();
  }
  const dismiss = event.target.closest("[data-dismiss-alert]");
  if (dismiss) {
    dismiss.closest(".fr-alert").remove();
  }
});
