// Pacesetter's small first-party script: progressive enhancements only; every form works
// without it.

// Submit the language switcher as soon as a language is picked.
for (const select of document.querySelectorAll("select[data-autosubmit]")) {
  select.addEventListener("change", () => select.form.submit());
}

// Ask before destructive actions (archive, revoke).
for (const form of document.querySelectorAll("form[data-confirm]")) {
  form.addEventListener("submit", (event) => {
    if (!window.confirm(form.dataset.confirm)) event.preventDefault();
  });
}

// Photos taken on a phone are often several megabytes: shrink the large ones to at most 2000
// pixels a side before upload, so a handful fits in one request. The server checks and cleans
// whatever arrives either way.
const LONGEST_SIDE = 2000;
async function shrink(file) {
  if (!file.type.startsWith("image/") || file.size < 1500000 || !window.createImageBitmap) return file;
  const bitmap = await createImageBitmap(file);
  const scale = Math.min(1, LONGEST_SIDE / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement("canvas");
  canvas.width = Math.round(bitmap.width * scale);
  canvas.height = Math.round(bitmap.height * scale);
  canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.85));
  if (!blob || blob.size >= file.size) return file;
  return new File([blob], file.name.replace(/\.\w+$/, "") + ".jpg", { type: "image/jpeg" });
}
for (const input of document.querySelectorAll("input[type=file][data-shrink]")) {
  input.addEventListener("change", async () => {
    if (!window.DataTransfer) return;
    const shrunk = new DataTransfer();
    for (const file of input.files) shrunk.items.add(await shrink(file).catch(() => file));
    input.files = shrunk.files;
  });
}
