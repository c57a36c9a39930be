// Arbetsbänken, i webbläsaren: håller sidan aktuell medan källfilerna skrivs och tar emot filer som dras
// till uppladdningen. Sidan fungerar utan skriptet (formulären skickas som vanligt); skriptet gör den levande:
// - lyssnar på /handelser (server-sent events) och byter in de delar av sidan som ändrats,
// - byter in förhandsvisningen när en ny finns, utan att tappa läsplatsen i den.
"use strict";
(function () {
  const shown = new Map();  // the HTML each live part shows now

  function replacePart(element, html) {
    if (shown.get(element.id) === html) return;
    shown.set(element.id, html);
    // keep the keyboard's place: the same link or button gets focus again
    const active = document.activeElement;
    const key = active && element.contains(active) ? (active.getAttribute("href") || active.getAttribute("aria-label") || active.id) : null;
    element.innerHTML = html;
    if (key) {
      const again = [...element.querySelectorAll("a, button, input, select")].find(
        (e) => (e.getAttribute("href") || e.getAttribute("aria-label") || e.id) === key);
      if (again) again.focus();
    }
  }

  async function refreshPreview(frame) {
    const response = await fetch("/forhandsvisning", { cache: "no-store", credentials: "same-origin" });
    if (!response.ok) return false;
    const text = await response.text();
    const doc = frame.contentDocument;
    if (!doc || !doc.documentElement) {
      frame.src = "/forhandsvisning";
      return true;
    }
    const next = new DOMParser().parseFromString(text, "text/html");
    const view = frame.contentWindow;
    const x = view.scrollX, y = view.scrollY;
    doc.replaceChild(doc.adoptNode(next.documentElement), doc.documentElement);
    outward(doc);
    view.scrollTo(x, y);
    return true;
  }

  // a link out of the plan opens in a tab of its own: the workbench's page does not let others into its frame
  function outward(doc) {
    for (const link of doc.querySelectorAll("a[href^='http'], a[href^='mailto:']")) {
      link.target = "_blank";
      link.rel = "noopener noreferrer";
    }
  }

  function listen() {
    const frame = document.getElementById("forhandsvisning");
    let version = frame ? Number(frame.dataset.version) : null;
    if (frame) {
      frame.addEventListener("load", () => frame.contentDocument && outward(frame.contentDocument));
      if (frame.contentDocument && frame.contentDocument.readyState === "complete") outward(frame.contentDocument);
    }
    let refreshing = Promise.resolve();
    const events = new EventSource("/handelser");
    events.addEventListener("lage", (event) => {
      const data = JSON.parse(event.data);
      for (const [id, html] of Object.entries(data.fragments)) {
        const element = document.getElementById(id);
        if (element) {
          if (!shown.has(id)) shown.set(id, element.innerHTML);
          replacePart(element, html);
        }
      }
      if (document.body.classList.contains("startsida")) document.body.classList.toggle("inaktuell", !data.current);
      if (frame && data.version !== version) {
        const wanted = data.version;
        refreshing = refreshing.then(() => refreshPreview(frame)).then((done) => {
          if (done) { version = wanted; frame.dataset.version = String(wanted); }
        });
      }
    });
  }

  function dropZone() {
    const zone = document.querySelector("[data-slappyta]");
    if (!zone) return;
    const input = zone.querySelector("input[type=file]");
    const chosen = zone.querySelector(".valda");
    const say = () => {
      const names = [...input.files].map((f) => f.name);
      chosen.textContent = names.length ? `Valda filer (${names.length}): ${names.join(", ")}` : "";
    };
    input.addEventListener("change", say);
    zone.addEventListener("dragover", (event) => { event.preventDefault(); zone.classList.add("over"); });
    zone.addEventListener("dragleave", () => zone.classList.remove("over"));
    zone.addEventListener("drop", (event) => {
      event.preventDefault();
      zone.classList.remove("over");
      if (event.dataTransfer && event.dataTransfer.files.length) {
        input.files = event.dataTransfer.files;
        say();
      }
    });
  }

  // the text editor: the plan with the text as typed, beside it, a moment after each keystroke
  function textPreview() {
    const form = document.getElementById("texteditor");
    const frame = document.getElementById("textvisning");
    if (!form || !frame) return;
    const area = form.querySelector("textarea[name=text]");
    const status = document.getElementById("textstatus");
    let timer = null, asked = 0, kept = null;
    // the preview shows the text's own chapter, and keeps its place when it is made anew
    frame.addEventListener("load", () => {
      const doc = frame.contentDocument, view = frame.contentWindow;
      if (!doc || !view) return;
      if (kept !== null) { view.scrollTo(0, kept); return; }
      const heading = frame.dataset.rubrik;
      const found = heading && [...doc.querySelectorAll("h1, h2, h3")].find((h) => h.textContent.includes(heading)
        && !h.closest("nav"));
      if (found) found.scrollIntoView();
    });
    area.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(async () => {
        const number = ++asked;
        const data = new FormData(form);
        data.set("_åtgärd", "forhandsgranska");
        const response = await fetch(form.action + "?js=1", { method: "POST", body: data, credentials: "same-origin" });
        if (!response.ok || number !== asked) return;
        const answer = await response.json();
        if (answer.preview) {
          kept = frame.contentWindow ? frame.contentWindow.scrollY : null;
          frame.src = answer.preview;
        }
        status.textContent = answer.problems.length
          ? "Fel i texten: " + answer.problems.join(" ")
          : (answer.preview ? "Förhandsvisningen visar texten som du skriver den (inte sparad än)." : "");
      }, 400);
    });
  }

  // a refused save or a conflict: the keyboard starts at what it says
  function focusRefusal() {
    const box = document.getElementById("vagran") || document.getElementById("krock");
    if (box && !document.querySelector("[autofocus]")) box.focus();
  }

  listen();
  dropZone();
  textPreview();
  focusRefusal();
})();
