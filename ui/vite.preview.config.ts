import { defineConfig } from "vite";

// The browser preview (preview.html + src/preview/main.ts): the real UI over a fake backend, built the same way
// as the app (CSS in a file, module scripts only) under the app's CSP, into dist-preview/. Not shipped.
export default defineConfig({
  clearScreen: false,
  build: {
    outDir: "dist-preview",
    emptyOutDir: true,
    target: "es2022",
    rollupOptions: { input: "preview.html" },
  },
});
