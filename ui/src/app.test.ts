import { afterEach, expect, test } from "vitest";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { mountApp } from "./app";

afterEach(() => {
  clearMocks();
  document.body.replaceChildren();
});

test("the version line shows what get_app_info returns", async () => {
  const calls: string[] = [];
  mockIPC((cmd) => {
    calls.push(cmd);
    if (cmd === "get_app_info") {
      return { name: "Gateway Doctor", version: "9.8.7-test" };
    }
    throw new Error(`unexpected command ${cmd}`);
  });
  const root = document.createElement("div");
  document.body.append(root);

  await mountApp(root);

  expect(calls).toEqual(["get_app_info"]);
  expect(root.querySelector("h1")?.textContent).toBe("Gateway Doctor");
  expect(root.querySelector("[data-testid=version]")?.textContent).toBe("Version 9.8.7-test");
});
