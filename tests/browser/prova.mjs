// Provar en webbsida i Debians Chromium: axe-core (WCAG 2.0/2.1 A och AA samt bästa praxis),
// omflödning vid 320 px, förfrågningar utanför filen, skärmbilder vid 320 och 1280 px och en utskrift.
// Fotnoterna med tangentbordet: varje hänvisning och tillbakalänk nås med Tabb, och Enter går till
// fotnoten och tillbaka till hänvisningen.
// Användning: node prova.mjs SIDA.html UTMAPP [--utan-bilder]   (skriver resultatet som JSON på stdout)
// --utan-bilder: inga skärmbilder och ingen utskrift (snabbare, när bara reglerna ska provas)
import { chromium } from "playwright-core";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import path from "node:path";

const require = createRequire(import.meta.url);
const [page_file, out_dir, option] = process.argv.slice(2);
const pictures = option !== "--utan-bilder";
const url = pathToFileURL(path.resolve(page_file)).href;
const axe_source = require.resolve("axe-core/axe.min.js");
const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"];

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--font-render-hinting=none"],
});
const result = { requests: [], widths: {} };
try {
  for (const width of [1280, 320]) {
    const context = await browser.newContext({ viewport: { width, height: 900 }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    page.on("request", (request) => { if (request.url() !== url) result.requests.push(request.url()); });
    await page.goto(url, { waitUntil: "load" });
    const layout = await page.evaluate(() => ({
      scrollWidth: document.documentElement.scrollWidth,
      clientWidth: document.documentElement.clientWidth,
      // elements wider than the viewport that are not inside a scrolling table container
      wide: [...document.querySelectorAll("body *")].filter((e) => {
        const r = e.getBoundingClientRect();
        return r.right > document.documentElement.clientWidth + 1 && !e.closest(".tabell") && r.width > 0;
      }).map((e) => e.tagName.toLowerCase() + (e.className && typeof e.className === "string" ? "." + e.className : "")).slice(0, 10),
    }));
    if (pictures) await page.screenshot({ path: path.join(out_dir, `webbsida-${width}px.png`), fullPage: true });
    await page.addScriptTag({ path: axe_source });
    const axe = await page.evaluate(async (tags) => {
      const r = await window.axe.run(document, { runOnly: { type: "tag", values: tags }, resultTypes: ["violations"] });
      return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
                                         nodes: v.nodes.map((n) => n.target.join(" ")).slice(0, 5) }));
    }, TAGS);
    result.widths[width] = { ...layout, axe };
    if (width === 1280) result.footnotes = await footnotes_by_keyboard(page);
    if (width === 1280 && pictures) {
      await page.emulateMedia({ media: "print" });
      await page.pdf({ path: path.join(out_dir, "utskrift.pdf"), format: "A4", printBackground: true });
      const print = await page.evaluate(() => ({
        hidden: ["nav", ".hopplank"].filter((s) => {
          const e = document.querySelector(s);
          return e && getComputedStyle(e).display === "none";
        }),
      }));
      result.print = print;
    }
    await context.close();
  }
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(result, null, 1) + "\n");

// Tab through the page once, then follow every note reference and back link with Enter.
async function footnotes_by_keyboard(page) {
  const links = await page.evaluate(() => [...document.querySelectorAll('a[role="doc-noteref"], a[role="doc-backlink"]')]
    .map((a) => ({ role: a.getAttribute("role"), href: a.getAttribute("href") })));
  const stops = await page.evaluate(() => document.querySelectorAll("a[href], [tabindex]").length);
  await page.evaluate(() => document.activeElement && document.activeElement.blur());
  const reached = new Set();
  for (let i = 0; i < stops + 2; i++) {
    await page.keyboard.press("Tab");
    reached.add(await page.evaluate(() => {
      const a = document.activeElement;
      return a ? `${a.getAttribute("role")} ${a.getAttribute("href")}` : "";
    }));
  }
  const wrong = [];
  for (const link of links) {
    const selector = `a[role="${link.role}"][href="${link.href}"]`;
    await page.focus(selector);
    await page.keyboard.press("Enter");
    const hash = await page.evaluate(() => decodeURIComponent(location.hash));
    if (hash !== link.href) wrong.push(`${link.role} ${link.href} -> ${hash}`);
  }
  return { links: links.length, unreached: links.map((l) => `${l.role} ${l.href}`).filter((k) => !reached.has(k)),
           wrong };
}
