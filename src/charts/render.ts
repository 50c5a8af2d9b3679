import { existsSync } from 'node:fs';
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { CHART_FONT_FAMILY } from './spec.js';

/**
 * Charts rendered in-process: Vega-Lite spec → Vega → SVG (vega's headless View) → PNG (@resvg/resvg-js).
 * Nothing is fetched: charts draw inline data only. A spec naming a URL anywhere is refused before it runs, and
 * the View's loader refuses every load, so neither data nor images can reach the network or the file system.
 */

/** The fonts the PNG is drawn with: DejaVu Sans if one of its usual paths exists, else whatever the system has. */
export interface ChartFonts {
  files: string[];
  family: string;
  /** true when no DejaVu file was found and resvg looks for system fonts instead (text may be missing). */
  system: boolean;
}

/** Where distributions put DejaVu Sans: Debian/Ubuntu (fonts-dejavu-core), Alpine (ttf-dejavu), Fedora, Arch. */
export const DEJAVU_DIRS = [
  '/usr/share/fonts/truetype/dejavu',
  '/usr/share/fonts/dejavu',
  '/usr/share/fonts/dejavu-sans-fonts',
  '/usr/share/fonts/TTF',
];

export function findChartFonts(exists: (path: string) => boolean = existsSync): ChartFonts {
  for (const dir of DEJAVU_DIRS) {
    const regular = `${dir}/DejaVuSans.ttf`;
    if (!exists(regular)) continue;
    const bold = `${dir}/DejaVuSans-Bold.ttf`;
    return { files: exists(bold) ? [regular, bold] : [regular], family: CHART_FONT_FAMILY, system: false };
  }
  return { files: [], family: 'sans-serif', system: true };
}

let cachedFonts: ChartFonts | undefined;

/** A loader that refuses everything: charts use inline data only. */
const refuse = (uri: string): Promise<never> =>
  Promise.reject(new Error(`charts: refusing to load ${JSON.stringify(uri)}: charts draw inline data only`));

export const noLoader: vega.Loader = {
  load: (uri) => refuse(uri),
  sanitize: (uri) => refuse(uri),
  http: (uri) => refuse(uri),
  file: (filename) => refuse(filename),
};

/** Every place a spec can name something to load: data `url`s, image or href encodings. */
function urlsIn(value: unknown, path = '$', found: string[] = []): string[] {
  if (Array.isArray(value)) {
    value.forEach((item, index) => {
      urlsIn(item, `${path}[${index}]`, found);
    });
  } else if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      if ((key === 'url' || key === 'href') && child !== undefined) found.push(`${path}.${key}`);
      else if ((key === 'type' || key === 'mark') && child === 'image') found.push(`${path} (an image mark)`);
      urlsIn(child, `${path}.${key}`, found);
    }
  }
  return found;
}

export class ChartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChartError';
  }
}

/** The Vega spec a Vega-Lite spec compiles to (no rendering). */
export function compileChart(spec: TopLevelSpec): vega.Spec {
  // The $schema is a label, not something to fetch; every other URL-ish key is refused.
  const { $schema: _schema, ...rest } = spec as TopLevelSpec & { $schema?: string };
  const urls = urlsIn(rest);
  if (urls.length > 0) throw new ChartError(`charts draw inline data only; the spec names ${urls.join(', ')}`);
  return compile(spec).spec;
}

/** The chart as an SVG document, from vega's headless View (no DOM, no canvas, no network). */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  return renderVegaSvg(compileChart(spec));
}

/** A compiled Vega spec as SVG. Any load it attempts is refused by the View's loader and fails the render. */
export async function renderVegaSvg(vegaSpec: vega.Spec): Promise<string> {
  const runtime = vega.parse(vegaSpec);
  const problems: string[] = [];
  // vega reports a refused load as a warning ("Loading failed") and draws on without the data: make it fail.
  const logger = vega.logger(vega.Warn, undefined, (_method, level, input) => {
    const text = Array.from(input as ArrayLike<unknown>, String).join(' ');
    if (level === 'ERROR' || text.startsWith('Loading failed')) problems.push(text);
  });
  const view = new vega.View(runtime, { renderer: 'none', loader: noLoader, logger, logLevel: vega.Warn });
  try {
    const svg = await view.toSVG();
    if (problems.length > 0) throw new ChartError(`chart rendering failed: ${problems.join('; ')}`);
    return svg;
  } finally {
    view.finalize();
  }
}

export interface PngOptions {
  /** Pixels per SVG unit (default 2, sharp on high-density screens). */
  scale?: number;
  fonts?: ChartFonts;
}

export interface RenderedPng {
  png: Buffer;
  width: number;
  height: number;
}

/** Rasterises an SVG with resvg, drawing text with `fonts` (default: findChartFonts(), looked up once). */
export function svgToPng(svg: string, options: PngOptions = {}): RenderedPng {
  cachedFonts ??= findChartFonts();
  const fonts = options.fonts ?? cachedFonts;
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: options.scale ?? 2 },
    background: 'white',
    font: {
      fontFiles: fonts.files,
      loadSystemFonts: fonts.system,
      defaultFontFamily: fonts.family,
      sansSerifFamily: fonts.family,
    },
  });
  const image = resvg.render();
  return { png: image.asPng(), width: image.width, height: image.height };
}

/** Spec → PNG in one call. */
export async function renderPng(spec: TopLevelSpec, options: PngOptions = {}): Promise<RenderedPng> {
  return svgToPng(await renderSvg(spec), options);
}
