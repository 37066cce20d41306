import { getAppInfo } from "./ipc";

/** Draws the page into `root` and fills the version line from the app. Resolves once the line is filled. */
export async function mountApp(root: HTMLElement): Promise<void> {
  const header = document.createElement("header");
  const title = document.createElement("h1");
  title.textContent = "Gateway Doctor";
  const version = document.createElement("p");
  version.className = "version";
  version.dataset["testid"] = "version";
  version.textContent = "Version: checking…";
  header.append(title, version);

  const main = document.createElement("main");
  const intro = document.createElement("p");
  intro.textContent = "Keeps one healthy connection to IB Gateway and tells you in plain words what is wrong.";
  main.append(intro);

  root.replaceChildren(header, main);

  try {
    const info = await getAppInfo();
    version.textContent = `Version ${info.version}`;
  } catch {
    version.textContent = "Version: unknown (the app did not answer)";
  }
}
