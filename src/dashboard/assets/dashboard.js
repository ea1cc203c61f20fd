// The pages work without this script; with it, a control marked data-autosubmit applies a choice at once.
for (const form of document.querySelectorAll("form[data-autosubmit]")) {
  for (const select of form.querySelectorAll("select")) select.addEventListener("change", () => form.requestSubmit());
}
