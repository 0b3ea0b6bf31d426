import { useEffect, useState } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/** What the console's uPlot charts share: the theme's colours, redraw on theme change, sizing and resize. */

/** How many series colours the style sheet defines (--chart-1 … --chart-8, both themes). */
export const PALETTE_SIZE = 8;
export const seriesClass = (i: number) => `series-${(i % PALETTE_SIZE) + 1}`;

/** Bumps when the theme changes (the page's choice or the system's), so the canvas is redrawn. */
export function useThemeVersion(): number {
  const [version, setVersion] = useState(0);
  useEffect(() => {
    const bump = () => setVersion((v) => v + 1);
    const observer = new MutationObserver(bump);
    observer.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
    const media = window.matchMedia('(prefers-color-scheme: dark)');
    media.addEventListener('change', bump);
    return () => {
      observer.disconnect();
      media.removeEventListener('change', bump);
    };
  }, []);
  return version;
}

/** A CSS colour (variables, light-dark()) as the canvas needs it: resolved by the browser on a probe. */
export function resolveColor(host: HTMLElement, css: string): string {
  const probe = document.createElement('span');
  probe.style.color = css;
  probe.hidden = true;
  host.appendChild(probe);
  const color = getComputedStyle(probe).color;
  probe.remove();
  return color;
}

/** The theme as a chart draws it: the axes' look, and one colour per series (the palette repeats). */
export interface ChartLook {
  axis: uPlot.Axis;
  colors: string[];
}

/** The parts of a chart that differ from one chart to another. */
export type ChartSpec = {
  options: Pick<uPlot.Options, 'scales' | 'axes' | 'series'>;
  data: uPlot.AlignedData;
};

/**
 * Draws a chart into `el` at the host's width (at least 200 px), without uPlot's legend and cursor
 * (the page has its own legend, the table the figures), and follows the host's width. Call it in
 * an effect: it returns the clean-up.
 */
export function mountChart(
  el: HTMLElement,
  height: number,
  seriesCount: number,
  build: (look: ChartLook) => ChartSpec,
): () => void {
  const text = resolveColor(el, 'var(--text-muted)');
  const grid = resolveColor(el, 'var(--border)');
  const colors = Array.from({ length: seriesCount }, (_, i) =>
    resolveColor(el, `var(--chart-${(i % PALETTE_SIZE) + 1})`),
  );
  const axis = {
    stroke: text,
    grid: { stroke: grid, width: 1 },
    ticks: { stroke: grid, width: 1 },
    font: '12px system-ui, sans-serif',
  };
  const { options, data } = build({ axis, colors });
  const width = () => Math.max(200, el.clientWidth);
  const chart = new uPlot(
    { width: width(), height, legend: { show: false }, cursor: { show: false }, ...options },
    data,
    el,
  );
  const resize = new ResizeObserver(() => chart.setSize({ width: width(), height }));
  resize.observe(el);
  return () => {
    resize.disconnect();
    chart.destroy();
  };
}
