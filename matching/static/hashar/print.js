// "Print the minutes": the browser's print dialogue (the print stylesheet lays the page out).
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-print]")) { window.print(); }
});
