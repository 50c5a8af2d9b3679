import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Spec } from 'vega';
import type { TopLevelSpec } from 'vega-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ChartError,
  compileChart,
  findChartFonts,
  noLoader,
  renderPng,
  renderSvg,
  renderVegaSvg,
  svgToPng,
} from '../../src/charts/render.js';
import { type SeriesChart, seriesChartSpec } from '../../src/charts/spec.js';
import type { TrendPoint } from '../../src/surveys/model.js';
import { npsTrendChart } from '../../src/surveys/trend-chart.js';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Width and height from the PNG's IHDR chunk (right after the signature: length, "IHDR", width, height). */
function ihdr(png: Buffer): { width: number; height: number } {
  expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
  expect(png.subarray(12, 16).toString('ascii')).toBe('IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

const waves = (n: number): TrendPoint[] =>
  Array.from({ length: n }, (_, i) => ({
    wave: `W${i + 1}`,
    nps: Math.round(40 * Math.cos(i / 3)),
    responsePercent: 40 + ((i * 7) % 55),
  }));

describe('series chart spec', () => {
  it('stacks one panel per measure over the same categories, in order', () => {
    const spec = seriesChartSpec(npsTrendChart(waves(3), { npsTarget: 50 })) as unknown as {
      vconcat: { layer: { encoding?: { x?: { scale?: { domain?: string[] } } } }[] }[];
      data: { values: { p: number; c: string; v: number | null }[] };
      title: string;
    };
    expect(spec.title).toBe('NPS per wave');
    expect(spec.vconcat).toHaveLength(2);
    for (const panel of spec.vconcat) expect(panel.layer[0]!.encoding!.x!.scale!.domain).toEqual(['W1', 'W2', 'W3']);
    expect(spec.data.values.filter((row) => row.p === 0).map((row) => row.c)).toEqual(['W1', 'W2', 'W3']);
  });

  it('refuses a series whose length does not match the categories, or no panel', () => {
    const chart: SeriesChart = {
      categories: ['a', 'b'],
      panels: [{ title: 'x', mark: 'line', series: [{ name: 's', values: [1] }] }],
    };
    expect(() => seriesChartSpec(chart)).toThrow('series "s" of panel "x" has 1 values for 2 categories');
    expect(() => seriesChartSpec({ categories: [], panels: [] })).toThrow(RangeError);
    expect(() => seriesChartSpec({ ...chart, categories: ['a', 'a'] })).toThrow('distinct');
    expect(() =>
      seriesChartSpec({
        categories: ['a'],
        panels: [{ title: 'x', mark: 'bar', series: [{ name: 's', values: [NaN] }] }],
      }),
    ).toThrow('not a number');
  });

  it('compiles to a Vega spec with inline data only', () => {
    const vg = compileChart(seriesChartSpec(npsTrendChart(waves(4)))) as { data?: { url?: string }[] };
    expect(vg.data?.length).toBeGreaterThan(0);
    expect(vg.data?.some((d) => d.url !== undefined)).toBe(false);
  });
});

describe('rendering', () => {
  it('renders the NPS trend to a PNG of sensible dimensions and size', async () => {
    const { png, width, height } = await renderPng(seriesChartSpec(npsTrendChart(waves(8), { npsTarget: 50 })));
    expect(ihdr(png)).toEqual({ width, height });
    // 520 px plot + axes and labels, drawn at 2×: a little over 1,000 px wide, two panels tall.
    expect(width).toBeGreaterThan(1000);
    expect(width).toBeLessThan(1600);
    expect(height).toBeGreaterThan(600);
    expect(height).toBeLessThan(1000);
    expect(png.length).toBeGreaterThan(10_000);
    expect(png.length).toBeLessThan(300_000);
  });

  it('draws the labels as text with the chart font', async () => {
    const svg = await renderSvg(seriesChartSpec(npsTrendChart(waves(2))));
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('font-family="DejaVu Sans"');
    for (const text of ['NPS per wave', 'Response rate (%)', 'W1', 'W2']) expect(svg).toContain(`>${text}<`);
    const withFont = svgToPng(svg);
    const withoutFont = svgToPng(svg, { fonts: { files: [], family: 'none', system: false } });
    expect(withFont.png.equals(withoutFont.png)).toBe(false);
    expect(withFont.png.length).toBeGreaterThan(withoutFont.png.length);
  });

  it('renders an empty chart as its title and a line of text', async () => {
    const spec = seriesChartSpec(npsTrendChart([]));
    const svg = await renderSvg(spec);
    expect(svg).toContain('>No closed wave yet<');
    const { png, width, height } = await renderPng(spec);
    expect(ihdr(png)).toEqual({ width, height });
    expect(width).toBeGreaterThan(1000);
    expect(height).toBeGreaterThan(100);
    // A chart whose waves all lack a score is empty too.
    const gaps = await renderSvg(seriesChartSpec(npsTrendChart([{ wave: 'W1', nps: null, responsePercent: null }])));
    expect(gaps).toContain('>No closed wave yet<');
  });

  it('renders one wave as a point and a bar, with its values', async () => {
    const spec = seriesChartSpec(npsTrendChart([{ wave: 'Q1 2026', nps: 42, responsePercent: 71 }]));
    const svg = await renderSvg(spec);
    expect(svg).toContain('>42<');
    expect(svg).toContain('>71<');
    expect(svg).toContain('>Q1 2026<');
    expect(svg).toMatch(/role-mark[^"]*marks"[^>]*role-description="bar"|class="mark-rect role-mark/);
    const { png } = await renderPng(spec);
    expect(ihdr(png).width).toBeGreaterThan(1000);
  });

  it('renders grouped bars for several series (support and deploy figures)', async () => {
    const spec = seriesChartSpec({
      title: 'Support tickets per week',
      categories: ['06-01', '06-08', '06-15'],
      panels: [
        {
          title: 'Tickets',
          mark: 'bar',
          series: [
            { name: 'opened', values: [12, 9, 15] },
            { name: 'resolved', values: [10, 11, 14] },
          ],
        },
      ],
    });
    const svg = await renderSvg(spec);
    for (const text of ['opened', 'resolved', '15', '14']) expect(svg).toContain(`>${text}<`);
    expect(ihdr((await renderPng(spec)).png).height).toBeGreaterThan(300);
  });

  it('renders 20 waves (timed once, reported, not asserted)', async () => {
    const spec = seriesChartSpec(npsTrendChart(waves(20)));
    const started = performance.now();
    const { png, width, height } = await renderPng(spec);
    const ms = performance.now() - started;
    console.info(`charts: 20 waves → ${width}×${height} PNG, ${png.length} bytes, in ${ms.toFixed(0)} ms`);
    expect(ihdr(png)).toEqual({ width, height });
  });
});

describe('no network, no files', () => {
  let server: Server;
  let hits = 0;
  let base = '';

  beforeAll(async () => {
    server = createServer((_req, res) => {
      hits += 1;
      res.setHeader('content-type', 'application/json');
      res.end('[{"c":"a","v":1}]');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('refuses a Vega-Lite spec that names a data URL or an image before it runs', async () => {
    const withUrl = {
      data: { url: `${base}/data.json` },
      mark: 'bar',
      encoding: { x: { field: 'c', type: 'ordinal' }, y: { field: 'v', type: 'quantitative' } },
    } as TopLevelSpec;
    await expect(renderSvg(withUrl)).rejects.toThrow(ChartError);
    await expect(renderSvg(withUrl)).rejects.toThrow('$.data.url');
    const image = {
      data: { values: [{ u: `${base}/logo.png` }] },
      mark: 'image',
      encoding: { url: { field: 'u', type: 'nominal' } },
    } as TopLevelSpec;
    await expect(renderSvg(image)).rejects.toThrow('an image mark');
    expect(hits).toBe(0);
  });

  it("has vega's own loader refuse a URL or file that reaches it", async () => {
    for (const url of [`${base}/data.json`, 'file:///etc/hostname', '/etc/hostname']) {
      const vegaSpec = {
        width: 100,
        height: 100,
        data: [{ name: 'table', url, format: { type: 'json' } }],
        marks: [{ type: 'rect', from: { data: 'table' }, encode: { enter: { x: { value: 0 }, width: { value: 5 } } } }],
      };
      await expect(renderVegaSvg(vegaSpec as Spec)).rejects.toThrow('charts draw inline data only');
    }
    await expect(noLoader.http(`${base}/x`, {})).rejects.toThrow('refusing');
    await expect(noLoader.file('/etc/hostname')).rejects.toThrow('refusing');
    await expect(noLoader.sanitize(`${base}/x`, { context: 'href' })).rejects.toThrow('refusing');
    expect(hits).toBe(0);
  });
});

describe('fonts', () => {
  it('uses DejaVu Sans from the first usual folder that has it', () => {
    const present = new Set(['/usr/share/fonts/dejavu/DejaVuSans.ttf', '/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf']);
    expect(findChartFonts((path) => present.has(path))).toEqual({
      files: ['/usr/share/fonts/dejavu/DejaVuSans.ttf', '/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf'],
      family: 'DejaVu Sans',
      system: false,
    });
  });

  it('falls back to system fonts when DejaVu Sans is nowhere', () => {
    expect(findChartFonts(() => false)).toEqual({ files: [], family: 'sans-serif', system: true });
  });

  it('finds the font on this machine when it is installed', () => {
    const debian = '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf';
    const found = findChartFonts();
    if (existsSync(debian)) expect(found.files[0]).toBe(debian);
    else expect(found.system || found.files.length > 0).toBe(true);
  });
});
