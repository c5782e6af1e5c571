import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// Cross-origin isolated, as `nodefox serve` sends it: the worker then has Pyodide's
// interrupt buffer (Stop and the code time limit without restarting it; docs/editor.md).
const isolated = { "Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp" };

// The site is served from "/" next to /pyodide/ and /examples/ (see build/README.md).
export default defineConfig({
  plugins: [react()],
  server: { headers: isolated },
  preview: { headers: isolated },
  base: "/",
  build: { outDir: "dist", emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 1024 },
  worker: { format: "es" },
});
