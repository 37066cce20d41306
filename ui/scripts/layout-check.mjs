// Layout check in a real WebKit (the engine of the Tauri window on Linux): the preview build (the real UI over a
// fake backend, under the app's CSP) in MiniBrowser driven by WebKitWebDriver, at 800x600 (the window's minimum),
// 1280x800 and a narrow 520x600. For every screen it checks that nothing scrolls sideways, that every control is
// inside the window, and that on Status the light, the headline and the one primary button are visible without
// scrolling. Screenshots go to ../target/ui-screens/ so a person can look.
//
//   npm run test:layout        (builds dist-preview first; needs webkit2gtk-driver and, without a DISPLAY, Xvfb)
//
// Only node's standard library: no browser download, no npm dependency.

import { spawn } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const ui = path.resolve(here, "..");
const outDir = path.resolve(ui, "..", "target", "ui-screens");
const MINIBROWSER = "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser";
const DRIVER = "/usr/bin/WebKitWebDriver";

const SIZES = [
  [800, 600],
  [1280, 800],
  [520, 600],
];
/** name, query, actions (css selectors to click in order). */
const SCREENS = [
  ["status-connected", "scenario=connected", []],
  ["status-latched", "scenario=latched", []],
  ["status-not-running", "scenario=not-running", []],
  ["status-refused", "scenario=refused", []],
  ["status-demo", "scenario=demo", []],
  ["diagnose", "scenario=connected&tab=diagnose", ["#run-diagnose"]],
  ["connections", "scenario=connected&tab=connections", []],
  ["clean-confirm", "scenario=connected&tab=connections", ["#clean-up"]],
  ["logs", "scenario=connected&tab=logs", []],
  ["restart", "scenario=latched&tab=restart", []],
  ["settings", "scenario=latched&tab=settings", ["#settings-advanced > summary"]],
];

const children = [];
function start(cmd, args, env = {}) {
  const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  return child;
}
function stopAll() {
  for (const c of children.reverse()) if (c.exitCode === null) c.kill("SIGTERM");
}
process.on("exit", stopAll);
process.on("SIGINT", () => process.exit(130));

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function waitFor(fn, what, ms = 15000) {
  const end = Date.now() + ms;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch {
      // not yet
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

async function wd(base, method, p, body) {
  const res = await fetch(base + p, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${method} ${p}: ${JSON.stringify(json.value)}`);
  return json.value;
}

async function main() {
  for (const f of [MINIBROWSER, DRIVER, path.join(ui, "dist-preview", "preview.html")]) {
    if (!existsSync(f)) throw new Error(`missing ${f} (install webkit2gtk-driver; run npm run preview:build)`);
  }
  mkdirSync(outDir, { recursive: true });

  let display = process.env.DISPLAY;
  if (!display) {
    let n = 95;
    while (existsSync(`/tmp/.X11-unix/X${n}`)) n++;
    display = `:${n}`;
    start("Xvfb", [display, "-screen", "0", "1600x1000x24", "-nolisten", "tcp"]);
    await waitFor(() => existsSync(`/tmp/.X11-unix/X${n}`), "Xvfb");
  }

  const webPort = await freePort();
  start(
    process.execPath,
    [
      path.join(ui, "node_modules", "vite", "bin", "vite.js"),
      "preview",
      "--config",
      "vite.preview.config.ts",
      "--outDir",
      "dist-preview",
      "--host",
      "127.0.0.1",
      "--port",
      String(webPort),
      "--strictPort",
    ],
    {},
  );
  const site = `http://127.0.0.1:${webPort}`;
  await waitFor(async () => (await fetch(`${site}/preview.html`)).ok, "the preview server");

  const driverPort = await freePort();
  start(DRIVER, [`--port=${driverPort}`], { DISPLAY: display });
  const base = `http://127.0.0.1:${driverPort}`;
  await waitFor(async () => (await wd(base, "GET", "/status")).ready, "WebKitWebDriver");

  const session = await wd(base, "POST", "/session", {
    capabilities: {
      alwaysMatch: { browserName: "MiniBrowser", "webkitgtk:browserOptions": { binary: MINIBROWSER, args: ["--automation"] } },
    },
  });
  const s = `/session/${session.sessionId}`;
  const js = (script) => wd(base, "POST", `${s}/execute/sync`, { script, args: [] });

  let passed = 0;
  let failed = 0;
  try {
    for (const [w, h] of SIZES) {
      await wd(base, "POST", `${s}/window/rect`, { width: w, height: h });
      for (const [name, query, actions] of SCREENS) {
        await wd(base, "POST", `${s}/url`, { url: `${site}/preview.html?${query}` });
        await waitFor(
          () => js("return !!document.querySelector('#status-light[data-state]') && document.readyState === 'complete'"),
          "the app",
        );
        await sleep(400);
        for (const css of actions) {
          const el = await wd(base, "POST", `${s}/element`, { using: "css selector", value: css });
          await wd(base, "POST", `${s}/element/${Object.values(el)[0]}/click`, {});
          await sleep(1200);
        }
        const problems = await js(`
          const out = [];
          const W = window.innerWidth, H = window.innerHeight;
          if (document.documentElement.scrollWidth > W) out.push('scrolls sideways: ' + document.documentElement.scrollWidth + ' > ' + W);
          for (const el of document.querySelectorAll('button, input, select, textarea, [role=tab]')) {
            const r = el.getBoundingClientRect();
            if (r.width === 0 || r.height === 0) continue; // not shown
            if (r.left < -1 || r.right > W + 1) out.push((el.id || el.textContent.trim().slice(0, 30)) + ' outside the window (' + Math.round(r.left) + '..' + Math.round(r.right) + ')');
          }
          const size = parseFloat(getComputedStyle(document.body).fontSize);
          if (size < 12) out.push('body text ' + size + 'px');
          if (!document.getElementById('panel-status').hidden) {
            for (const id of ['status-light', 'status-title', 'primary-action']) {
              const r = document.getElementById(id).getBoundingClientRect();
              if (r.bottom > H || r.width === 0) out.push('#' + id + ' not visible without scrolling');
            }
          }
          return out;`);
        const shot = await wd(base, "GET", `${s}/screenshot`);
        writeFileSync(path.join(outDir, `${name}-${w}x${h}.png`), Buffer.from(shot, "base64"));
        if (problems.length === 0) {
          passed++;
          console.log(`ok   ${name} at ${w}x${h}`);
        } else {
          failed++;
          console.log(`FAIL ${name} at ${w}x${h}: ${problems.join("; ")}`);
        }
      }
    }
  } finally {
    await wd(base, "DELETE", s).catch(() => {});
  }
  console.log(`screenshots in ${outDir}`);
  console.log(`${passed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

main()
  .then((code) => {
    stopAll();
    process.exit(code);
  })
  .catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    stopAll();
    process.exit(1);
  });
