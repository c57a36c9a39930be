// Kör arbetsbänken i Debians Chromium, som en människa: öppnar adressen med nyckeln, sparar källfiler,
// väntar på det som ska synas, laddar upp filer, använder bara tangentbordet, provar sidor med axe-core och
// tar skärmbilder. Testerna (tests/test_workbench.py), mätningen (tools/bench.py) och docs-bilderna använder det.
//
// Användning: node arbetsbank.mjs ADRESS-MED-NYCKEL STEG.json   (skriver resultatet som JSON på stdout)
// STEG.json är en lista av steg, var och ett ett objekt med ett av:
//   {"goto": "/sökväg"}                         öppna en sida (väntar tills den har laddats)
//   {"viewport": 320}                           fönstrets bredd i px
//   {"write": "/fil", "text": "..."}            spara en källfil (som en textredigerare); tiden noteras
//   {"frame_text": "...", "label": "namn"}      vänta tills förhandsvisningen visar texten; ms sedan sparandet
//   {"text": "...", "in": "#id", "gone": false} vänta tills texten finns (gone: inte längre finns) i elementet
//   {"files": ["/a.docx", ...], "in": "#filer"} välj filer i ett filfält
//   {"click": "css"}                            klicka (och vänta på sidan som följer)
//   {"tab_to": "css", "max": 60}                tryck Tab tills elementet har fokus; ger antalet tryck
//   {"press": "Enter"}                          tryck en tangent (och vänta på sidan som följer)
//   {"axe": "namn"}                             axe-core (WCAG 2.0/2.1 A och AA, bästa praxis) och omflödning
//   {"shot": "/fil.png", "full": true}          skärmbild
//   {"fetch": "css", "to": "/fil"}              hämta länkens mål med sidans kaka; ger status och typ
//   {"eval": "uttryck"}                         värdet av ett JavaScript-uttryck på sidan
//   {"until": "uttryck", "label": "namn"}       vänta tills uttrycket är sant; ms sedan sparandet
//   {"fill": "css", "value": "..."}             skriv i ett fält (tömmer det först), som en människa
//   {"select": "css", "value": "..."}           välj i en lista
import { chromium } from "playwright-core";
import { createRequire } from "node:module";
import fs from "node:fs";

const require = createRequire(import.meta.url);
const [address, plan_file] = process.argv.slice(2);
const plan = JSON.parse(fs.readFileSync(plan_file, "utf-8"));
const origin = new URL(address).origin;
const axe_source = fs.readFileSync(require.resolve("axe-core/axe.min.js"), "utf-8");
const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"];

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--font-render-hinting=none", "--lang=sv"],
  env: { ...process.env, LANGUAGE: "sv" },  // Chromium's own controls (a file field's button) in Swedish
});
const results = [];
const outside = [];  // requests to anything but the workbench
let written = null;  // when the last source file was saved
try {
  // axe runs inside the page: the workbench's content security policy would refuse its script
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1,
                                             bypassCSP: true });
  const page = await context.newPage();
  page.setDefaultTimeout(60000);
  page.on("request", (r) => { if (!r.url().startsWith(origin) && !r.url().startsWith("data:")) outside.push(r.url()); });
  await page.goto(address, { waitUntil: "load" });  // the key becomes a cookie; the address loses it
  results.push({ signed_in: page.url() });
  for (const step of plan) {
    const started = Date.now();
    if (step.goto !== undefined) {
      const response = await page.goto(origin + step.goto, { waitUntil: "load" });
      results.push({ goto: step.goto, status: response.status() });
    } else if (step.viewport !== undefined) {
      await page.setViewportSize({ width: step.viewport, height: 900 });
      results.push({ viewport: step.viewport });
    } else if (step.write !== undefined) {
      fs.writeFileSync(step.write, step.text);
      written = Date.now();
      results.push({ write: step.write });
    } else if (step.frame_text !== undefined) {
      const frame = page.frame({ url: /\/forhandsvisning$/ }) || page.frames()[1];
      await page.waitForFunction((text) => {
        const f = document.getElementById("forhandsvisning");
        return f && f.contentDocument && f.contentDocument.body && f.contentDocument.body.textContent.includes(text);
      }, step.frame_text, { polling: "raf", timeout: step.timeout || 60000 });
      results.push({ frame_text: step.frame_text, label: step.label, ms: Date.now() - (written || started), frame: !!frame });
    } else if (step.text !== undefined) {
      const where = step.in || "body";
      await page.waitForFunction(([selector, text, gone]) => {
        const e = document.querySelector(selector);
        const has = !!e && e.textContent.replace(/\s+/g, " ").includes(text);
        return gone ? !has : has;
      }, [where, step.text, !!step.gone], { polling: 50, timeout: step.timeout || 60000 });
      results.push({ text: step.text, gone: !!step.gone, label: step.label, ms: Date.now() - (written || started) });
    } else if (step.files !== undefined) {
      await page.setInputFiles(step.in || "input[type=file]", step.files);
      results.push({ files: step.files.length });
    } else if (step.click !== undefined) {
      await Promise.all([page.waitForLoadState("load"), page.click(step.click)]);
      await page.waitForLoadState("load");
      results.push({ click: step.click, url: page.url() });
    } else if (step.tab_to !== undefined) {
      let presses = 0;
      await page.evaluate(() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); });
      while (presses < (step.max || 60)) {
        await page.keyboard.press("Tab");
        presses += 1;
        if (await page.evaluate((s) => document.activeElement && document.activeElement.matches(s), step.tab_to)) break;
      }
      const focus = await page.evaluate(() => {
        const e = document.activeElement;
        const style = getComputedStyle(e);
        return { tag: e.tagName.toLowerCase(), text: e.textContent.trim().slice(0, 80),
                 outline: style.outlineStyle !== "none" && style.outlineWidth !== "0px" };
      });
      results.push({ tab_to: step.tab_to, presses, ...focus,
                     reached: await page.evaluate((s) => document.activeElement.matches(s), step.tab_to) });
    } else if (step.press !== undefined) {
      const navigation = page.waitForNavigation({ waitUntil: "load", timeout: 15000 }).catch(() => null);
      await page.keyboard.press(step.press);
      await navigation;
      results.push({ press: step.press, url: page.url() });
    } else if (step.axe !== undefined) {
      await page.addScriptTag({ content: axe_source });
      const violations = await page.evaluate(async (tags) => {
        const r = await window.axe.run(document, { runOnly: { type: "tag", values: tags }, resultTypes: ["violations"] });
        return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
                                           nodes: v.nodes.map((n) => n.target.join(" ")).slice(0, 5) }));
      }, TAGS);
      const layout = await page.evaluate(() => ({
        scrollWidth: document.documentElement.scrollWidth,
        clientWidth: document.documentElement.clientWidth,
        wide: [...document.querySelectorAll("body *")].filter((e) => {
          const r = e.getBoundingClientRect();
          return r.right > document.documentElement.clientWidth + 1 && !e.closest(".tabell") && r.width > 0;
        }).map((e) => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "")).slice(0, 10),
        lang: document.documentElement.lang,
        title: document.title,
      }));
      results.push({ axe: step.axe, url: page.url(), violations, ...layout });
    } else if (step.shot !== undefined) {
      await page.screenshot({ path: step.shot, fullPage: !!step.full });
      results.push({ shot: step.shot });
    } else if (step.fetch !== undefined) {
      const href = await page.getAttribute(step.fetch, "href");
      const response = await page.request.get(new URL(href, page.url()).href, { timeout: 180000 });
      const body = await response.body();
      if (step.to) fs.writeFileSync(step.to, body);
      results.push({ fetch: href, status: response.status(), type: response.headers()["content-type"],
                     ms: Date.now() - (written || started), bytes: body.length });
    } else if (step.until !== undefined) {
      await page.waitForFunction(step.until, null, { polling: "raf", timeout: step.timeout || 60000 });
      results.push({ until: step.until, label: step.label, ms: Date.now() - (written || started) });
    } else if (step.fill !== undefined) {
      await page.fill(step.fill, step.value);
      results.push({ fill: step.fill });
    } else if (step.select !== undefined) {
      await page.selectOption(step.select, step.value);
      results.push({ select: step.select });
    } else if (step.eval !== undefined) {
      results.push({ eval: step.eval, value: await page.evaluate(step.eval) });
    } else {
      throw new Error(`okänt steg: ${JSON.stringify(step)}`);
    }
  }
  await context.close();
} catch (error) {
  results.push({ error: String(error && error.stack || error) });
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify({ results, outside }, null, 1) + "\n");
