import { useEffect, useRef, useState } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { shortDay, stack } from './usage-data.js';

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

interface Props {
  /** What the chart shows, for screen readers (the table below has the figures). */
  label: string;
  days: string[];
  names: string[];
  /** values[i][d]: series i on day d. */
  values: number[][];
  format: (value: number) => string;
  height?: number;
}

/** Daily bars stacked by series, drawn with uPlot in the theme's colours; redrawn on resize and theme change. */
export function StackedChart({ label, days, names, values, format, height = 220 }: Props) {
  const box = useRef<HTMLDivElement>(null);
  const theme = useThemeVersion();

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    void theme;
    const text = resolveColor(el, 'var(--text-muted)');
    const grid = resolveColor(el, 'var(--border)');
    const colors = names.map((_, i) => resolveColor(el, `var(--chart-${(i % PALETTE_SIZE) + 1})`));
    const stacked = stack(values);
    // Drawn tallest first: each lower part of a stack paints over the one above it.
    const order = names.map((_, i) => i).reverse();
    const x = days.map((day) => Date.parse(`${day}T00:00:00Z`) / 1000);
    const data: uPlot.AlignedData = [x, ...order.map((i) => stacked[i] ?? [])];
    const bars = uPlot.paths.bars?.({ size: [0.7, 48], align: 0 });
    const axis = {
      stroke: text,
      grid: { stroke: grid, width: 1 },
      ticks: { stroke: grid, width: 1 },
      font: '12px system-ui, sans-serif',
    };
    const chart = new uPlot(
      {
        width: Math.max(200, el.clientWidth),
        height,
        legend: { show: false },
        cursor: { show: false },
        scales: {
          x: { time: true, range: (_u, min, max) => [min - 43_200, max + 43_200] },
          y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] },
        },
        axes: [
          {
            ...axis,
            values: (_u, splits) =>
              splits.map((s) => shortDay(new Date(s * 1000).toISOString().slice(0, 10))),
          },
          { ...axis, size: 56, values: (_u, splits) => splits.map(format) },
        ],
        series: [
          {},
          ...order.map((i) => ({
            label: names[i],
            stroke: colors[i],
            fill: colors[i],
            width: 0,
            ...(bars ? { paths: bars } : {}),
            points: { show: false },
          })),
        ],
      },
      data,
      el,
    );
    const resize = new ResizeObserver(() => chart.setSize({ width: Math.max(200, el.clientWidth), height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      chart.destroy();
    };
  }, [days, names, values, format, height, theme]);

  return (
    <figure className="chart">
      <div ref={box} className="chart-canvas" role="img" aria-label={label} />
      {names.length > 0 && (
        <figcaption>
          <ul className="chart-legend" aria-label="Models">
            {names.map((name, i) => (
              <li key={name}>
                <span className={`swatch ${seriesClass(i)}`} aria-hidden="true" />
                {name}
              </li>
            ))}
          </ul>
        </figcaption>
      )}
    </figure>
  );
}
