import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// The site is served from "/" next to /pyodide/ and /examples/ (see build/README.md).
export default defineConfig({
  plugins: [react()],
  base: "/",
  build: { outDir: "dist", emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 1024 },
  worker: { format: "es" },
});
