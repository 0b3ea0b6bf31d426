import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { PALETTE_SIZE, resolveColor, seriesClass, useThemeVersion } from './StackedChart.js';

interface Props {
  /** What the chart shows, for screen readers (the table has the figures). */
  label: string;
  /** x values: each bucket's start in seconds since the epoch. */
  times: number[];
  names: string[];
  /** values[i][t]: series i at times[t]; null leaves a gap (no calls then). */
  values: (number | null)[][];
  /** y-axis labels. */
  format: (value: number) => string;
  /** x-axis labels. */
  timeLabel: (seconds: number) => string;
  /** The y axis starts at 0 and reaches at least this (e.g. 100 for a percentage). */
  minTop?: number;
  height?: number;
}

/** One line per series over time, drawn with uPlot in the theme's colours; redrawn on resize and theme change. */
export function LineChart({
  label,
  times,
  names,
  values,
  format,
  timeLabel,
  minTop = 1,
  height = 200,
}: Props) {
  const box = useRef<HTMLDivElement>(null);
  const theme = useThemeVersion();

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    void theme;
    const text = resolveColor(el, 'var(--text-muted)');
    const grid = resolveColor(el, 'var(--border)');
    const colors = names.map((_, i) => resolveColor(el, `var(--chart-${(i % PALETTE_SIZE) + 1})`));
    const data = [times, ...values] as uPlot.AlignedData;
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
          x: { time: true },
          y: { range: (_u, _min, max) => [0, Math.max(minTop, (max ?? 0) * 1.1)] },
        },
        axes: [
          { ...axis, values: (_u, splits) => splits.map(timeLabel) },
          { ...axis, size: 64, values: (_u, splits) => splits.map(format) },
        ],
        series: [
          {},
          ...names.map((name, i) => ({
            label: name,
            stroke: colors[i],
            width: 2,
            // A bucket alone between gaps still shows, as a dot.
            points: { show: true, size: 5, fill: colors[i] },
            spanGaps: false,
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
  }, [times, names, values, format, timeLabel, minTop, height, theme]);

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
