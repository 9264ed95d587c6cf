// Opens mcpspec HTML reports in Debian's headless Chromium (driven by playwright-core, which never
// downloads a browser here) and checks what a reader sees: the failing case, its findings and
// transcript once expanded, the outcome and area filters, and hostile server text kept inert.
// Run by ci/html-report-check.sh; exits non-zero on the first failed check.
//
// Usage: node html-check.mjs --report REPORT.json --html REPORT.html --fail CASE_ID
//          [--edges EDGES.html] [--shots DIR]

import { mkdtempSync, readFileSync, rmSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";

const opts = {};
for (let i = 2; i < process.argv.length; i += 2) {
  opts[process.argv[i].replace(/^--/, "")] = process.argv[i + 1];
}
for (const need of ["report", "html", "fail"]) {
  if (!opts[need]) {
    console.error(`html-check: --${need} is required`);
    process.exit(2);
  }
}
const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";
const shots = resolve(opts.shots || "target/html-report");
mkdirSync(shots, { recursive: true });

let checks = 0;
let failures = 0;
function check(ok, what, detail = "") {
  checks += 1;
  if (ok) {
    console.log(`ok   ${what}`);
  } else {
    failures += 1;
    console.log(`FAIL ${what}${detail ? `\n     ${detail}` : ""}`);
  }
}

const report = JSON.parse(readFileSync(opts.report, "utf8"));
const failing = report.cases.find((c) => c.id === opts.fail);
if (!failing || failing.outcome !== "fail") {
  console.error(`html-check: ${opts.fail} is not a failing case of ${opts.report}`);
  process.exit(1);
}
const passing = report.cases.filter((c) => c.outcome === "pass");

const userDataDir = mkdtempSync(join(tmpdir(), "mcpspec-html-check-"));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath,
  headless: true,
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
  viewport: { width: 1280, height: 900 },
});
// A page that does not work (a script the policy blocked, a missing control) fails fast.
context.setDefaultTimeout(10_000);

// Every request that is not the report file itself is recorded and refused: the page must not
// try to load anything (its Content-Security-Policy forbids it, and the machine has no network).
const requests = [];
const pages = new Set();
await context.route("**/*", (route) => {
  const url = route.request().url();
  if (pages.has(url)) return route.continue();
  requests.push(url);
  return route.abort();
});

/** Opens `file` and returns the page with its console errors, page errors and dialogs recorded. */
async function open(file) {
  const page = await context.newPage();
  const problems = [];
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("dialog", (d) => {
    problems.push(`dialog: ${d.message()}`);
    d.dismiss().catch(() => {});
  });
  const url = pathToFileURL(resolve(file)).href;
  pages.add(url);
  await page.goto(url, { waitUntil: "load" });
  return { page, problems };
}

const visibleText = (page) => page.locator("body").innerText();

try {
  const { page, problems } = await open(opts.html);
  const caseSel = (id) => `details.case[id="case-${id.replace(/"/g, '\\"')}"]`;
  const failCase = page.locator(caseSel(failing.id));

  // The header: verdict, server, counts.
  let text = await visibleText(page);
  check(text.includes("not conformant"), "the verdict says not conformant");
  const serverName = report.server_info && report.server_info.name;
  check(!serverName || text.includes(serverName), `the server name ${serverName} is shown`);
  check(
    text.includes(`${report.summary.totals.fail}\nfail`) || text.includes(`${report.summary.totals.fail} fail`),
    "the fail count is shown",
  );
  check(await page.locator("#filters").isVisible(), "the filter form is shown once the script ran");
  check(
    (await page.locator("#shown").innerText()) === `${report.cases.length} of ${report.cases.length} cases shown`,
    "every case is shown at first",
    await page.locator("#shown").innerText(),
  );

  // The failing case: listed, closed, then expanded.
  check(text.includes(failing.id), `the failing case ${failing.id} is in the visible text`);
  check(await failCase.isVisible(), "the failing case is visible");
  check((await failCase.getAttribute("open")) === null, "the failing case starts closed");
  const finding = failing.findings[0];
  const body = failCase.locator(".body");
  check(!(await body.isVisible()), "its findings are hidden while it is closed");
  await page.screenshot({ path: join(shots, "initial.png") });

  await failCase.locator("summary").click();
  check((await failCase.getAttribute("open")) !== null, "clicking the summary opens the case");
  const caseText = await failCase.innerText();
  check(caseText.includes(finding.expected), `expanded: the expected value ${finding.expected} is shown`, caseText);
  check(caseText.includes(finding.actual), `expanded: the actual value ${finding.actual} is shown`, caseText);
  check(caseText.includes(failing.spec.statement), "expanded: the spec statement is shown");
  for (const r of failing.requirements) {
    check(caseText.includes(r), `expanded: requirement ${r} is shown`);
  }
  const link = failCase.locator(`a[href="${failing.spec.url}"]`);
  check((await link.count()) === 1, "expanded: the spec link points at the spec section");
  check(failing.transcript.length > 0, "the failing case has a transcript");
  const entries = failCase.locator("ol.wire > li");
  check(
    (await entries.count()) === failing.transcript.length,
    `expanded: all ${failing.transcript.length} transcript entries are listed`,
  );
  for (const [i, e] of failing.transcript.entries()) {
    const entryText = await entries.nth(i).innerText();
    const content = e.json !== undefined ? JSON.stringify(e.json, null, 2) : e.text || "";
    check(
      entryText.includes(`${e.t_ms} ms`) && entryText.includes(e.dir) && entryText.includes(content),
      `expanded: transcript entry ${i} shows time, direction ${e.dir} and its content`,
      `${entryText}\n     wanted: ${content}`,
    );
  }

  // The outcome filter: unchecking pass hides every passing case and keeps the failure.
  const passBox = page.locator('#filter-outcome input[value="pass"]');
  const passShown = () =>
    page.locator("details.case[data-outcome=pass]").evaluateAll((els) => els.filter((e) => e.offsetParent !== null).length);
  check(passing.length > 0 && (await passShown()) === passing.length, `all ${passing.length} passing cases are shown before filtering`);
  await passBox.uncheck();
  check((await passShown()) === 0, "unchecking pass hides every passing case");
  check(await failCase.isVisible(), "the failing case stays visible");
  text = await visibleText(page);
  check(!text.includes(passing[0].id), `a passing case id (${passing[0].id}) is gone from the visible text`);
  const left = report.cases.length - passing.length;
  check(
    (await page.locator("#shown").innerText()) === `${left} of ${report.cases.length} cases shown`,
    "the counter follows the filter",
    await page.locator("#shown").innerText(),
  );

  // The area filter: unchecking the failing case's area hides it.
  const area = await failCase.getAttribute("data-area");
  const areaBox = page.locator(`#filter-area input[value="${area}"]`);
  await areaBox.uncheck();
  check(!(await failCase.isVisible()), "unchecking its area hides the failing case");
  await areaBox.check();
  check(await failCase.isVisible(), "checking its area again shows it");

  // "Problems only" keeps just what needs a reader's attention.
  await page.locator('button[data-act="check:outcome:problems"]').click();
  const shownOutcomes = await page
    .locator("details.case")
    .evaluateAll((els) => [...new Set(els.filter((e) => e.offsetParent !== null).map((e) => e.dataset.outcome))]);
  check(
    shownOutcomes.length > 0 && !shownOutcomes.includes("pass") && !shownOutcomes.includes("not-applicable"),
    "problems only hides passes and not-applicable cases",
    JSON.stringify(shownOutcomes),
  );
  await failCase.scrollIntoViewIfNeeded();
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(shots, "filtered.png"), fullPage: true });

  check(problems.length === 0, "no console errors, page errors or dialogs (the CSP let the page's own script and style run)", problems.join("\n     "));
  await page.close();

  if (opts.edges) {
    const { page: edges, problems: edgeProblems } = await open(opts.edges);
    const scripts = await edges.locator("script").count();
    check(scripts === 1, "hostile report: the page's own script is its only script element", `${scripts} scripts`);
    await edges.locator('button[data-act="open:all"]').click();
    const edgeText = await visibleText(edges);
    check(edgeText.includes("<script>alert(1)</script>"), "hostile report: markup from the server is shown as text");
    check(edgeText.includes("```\\n| a | b |\\n```"), "hostile report: line breaks in server text are shown escaped");
    check(
      (await edges.locator("a").evaluateAll((as) => as.filter((a) => !/^https?:/.test(a.getAttribute("href") || "")).length)) === 0,
      "hostile report: every link is http(s)",
    );
    check(edgeProblems.length === 0, "hostile report: no console errors, page errors or dialogs", edgeProblems.join("\n     "));
    await edges.screenshot({ path: join(shots, "edges.png"), fullPage: true });
    await edges.close();
  }

  check(requests.length === 0, "the pages requested nothing from the network", requests.join(", "));
} catch (e) {
  check(false, "the checks ran to the end", String(e.message || e).split("\n")[0]);
} finally {
  await context.close();
  rmSync(userDataDir, { recursive: true, force: true });
}

console.log(`screenshots: ${shots}`);
console.log(`html-check: ${checks - failures} passed, ${failures} failed`);
process.exit(failures === 0 ? 0 : 1);
