import { defineConfig } from "vitest/config";

// The app loads ui/dist from inside the binary (tauri.conf.json has no devUrl), so a plain static build is all
// Tauri needs. Vitest runs the same modules in jsdom with mockIPC standing in for the Rust side.
export default defineConfig({
  clearScreen: false,
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.ts"],
    // style.test.ts reads the stylesheet's text (style.css?raw); Vitest leaves CSS empty unless told.
    css: { include: [/style\.css/] },
  },
});
