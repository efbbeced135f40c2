/**
 * Headless chart rendering: a vega-lite spec is compiled to vega, drawn to SVG without a browser, and
 * rasterised to PNG with resvg. Text uses DejaVu Sans when it is installed, else any system font; with no
 * font at all the PNG still renders (shapes only) and the SVG keeps its text.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import { Resvg } from "@resvg/resvg-js";

/** The font family written into every chart; readers without it fall back to their sans-serif. */
export const CHART_FONT = "DejaVu Sans";

const FONT_DIRS = ["/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/TTF", "/usr/share/fonts/dejavu"];

let fontFilesCache: string[] | undefined;

/** DejaVu Sans files found on this machine (may be empty; resvg then uses whatever system fonts exist). */
function dejaVuFiles(): string[] {
  if (fontFilesCache) return fontFilesCache;
  fontFilesCache = [];
  for (const dir of FONT_DIRS) {
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir)) if (/^DejaVuSans(-Bold)?\.ttf$/.test(f)) fontFilesCache.push(join(dir, f));
  }
  return fontFilesCache;
}

/** Shared look for every chart: white background, one font, readable sizes. */
export const CHART_CONFIG = {
  background: "white",
  font: `${CHART_FONT}, Helvetica, Arial, sans-serif`,
  padding: 12,
  title: { fontSize: 15, anchor: "start", offset: 10, subtitleFontSize: 11, subtitleColor: "#555" },
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: "#e6e6e6" },
  header: { labelFontSize: 12, titleFontSize: 12 },
  legend: { labelFontSize: 11, titleFontSize: 12 },
  view: { stroke: "#ddd" },
} as const;

/** Compiles a vega-lite spec and renders it to an SVG string, headless. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const { spec: vg } = compile(spec);
  const view = new vega.View(vega.parse(vg), { renderer: "none", logLevel: vega.Warn });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Rasterises an SVG to PNG at `scale`× (2 = crisp on high-density screens and in slides). */
export function svgToPng(svg: string, scale = 2): Buffer {
  const files = dejaVuFiles();
  const resvg = new Resvg(svg, {
    fitTo: { mode: "zoom", value: scale },
    background: "white",
    font: {
      loadSystemFonts: true,
      fontFiles: files,
      ...(files.length ? { defaultFontFamily: CHART_FONT, sansSerifFamily: CHART_FONT } : {}),
    },
    logLevel: "off",
  });
  return resvg.render().asPng();
}

/** Renders one spec to both formats. */
export async function renderChart(spec: TopLevelSpec): Promise<{ svg: string; png: Buffer }> {
  const svg = await renderSvg(spec);
  return { svg, png: svgToPng(svg) };
}
