// Pacesetter's small first-party script: progressive enhancements only; every form works
// without it.

// Submit the language switcher as soon as a language is picked.
for (const select of document.querySelectorAll("select[data-autosubmit]")) {
  select.addEventListener("change", () => select.form.submit());
}

// Ask before destructive actions (archive, revoke, a selection closed): the question of the
// button pressed, or else of the form.
document.addEventListener("submit", (event) => {
  const question = event.submitter?.dataset.confirm ?? event.target.dataset.confirm;
  if (question && !window.confirm(question)) event.preventDefault();
});

// A "select all" box ticks every box of its name in the same form.
for (const all of document.querySelectorAll("input[data-select-all]")) {
  all.addEventListener("change", () => {
    const boxes = document.querySelectorAll(`input[name="${all.dataset.selectAll}"][form="${all.getAttribute("form")}"]`);
    for (const box of boxes) box.checked = all.checked;
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

// The big screen: the server sends the board again whenever it changes (Server-Sent Events);
// the browser reconnects by itself if the network drops.
const board = document.querySelector("[data-board-events]");
if (board && window.EventSource) {
  const events = new EventSource(board.dataset.boardEvents);
  events.addEventListener("board", (event) => { board.innerHTML = event.data; });
}

// A judge's score on a phone: sent in the background, and if the network is down it is kept
// on the phone and sent when the network returns. The form's key makes a score that arrives
// twice count once.
const PENDING = "pacesetter.pending-scores";
const pending = () => JSON.parse(localStorage.getItem(PENDING) || "[]");
const keep = (list) => localStorage.setItem(PENDING, JSON.stringify(list));
async function sendScore(item) {
  const response = await fetch(item.action, {
    method: "POST",
    body: new URLSearchParams(item.body),
    headers: { "content-type": "application/x-www-form-urlencoded" },
  });
  return response;
}
async function flushScores() {
  const list = pending();
  if (list.length === 0) return;
  const left = [];
  for (const item of list) {
    try { await sendScore(item); } catch { left.push(item); }
  }
  keep(left);
  if (left.length < list.length) window.location.reload();
}
for (const form of document.querySelectorAll("form.score-form")) {
  form.addEventListener("submit", async (event) => {
    if (event.defaultPrevented) return;
    event.preventDefault();
    const item = { action: form.action, body: [...new FormData(form)] };
    try {
      const response = await sendScore(item);
      document.open();
      document.write(await response.text());
      document.close();
      history.replaceState(null, "", response.redirected ? response.url : window.location.href);
    } catch {
      keep([...pending(), item]);
      const note = document.createElement("p");
      note.className = "alert alert-warning";
      note.setAttribute("role", "status");
      note.textContent = form.dataset.offline;
      form.replaceWith(note);
    }
  });
}
window.addEventListener("online", flushScores);
if (navigator.onLine) flushScores();

// The main venue's roll call: fetched again every few seconds while the page is open, so that
// each branch venue's check-in shows as it comes (polling reads the database, so it works on
// every instance of a deployment; decision 0020).
for (const panel of document.querySelectorAll("[data-poll]")) {
  const seconds = Number(panel.dataset.pollSeconds) || 10;
  setInterval(async () => {
    if (document.hidden) return;
    try {
      const response = await fetch(panel.dataset.poll, { headers: { accept: "text/html" } });
      if (response.ok && !response.redirected) panel.innerHTML = await response.text();
    } catch {
      // offline for a moment: the next tick tries again
    }
  }, seconds * 1000);
}
