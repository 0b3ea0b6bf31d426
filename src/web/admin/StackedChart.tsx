import { useCallback } from 'react';
import uPlot from 'uplot';
import { ChartFigure } from './ChartFigure.js';
import type { ChartLook, ChartSpec } from './uplot-base.js';
import { shortDay, stack } from './usage-data.js';

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
  const draw = useCallback(
    ({ axis, colors }: ChartLook): ChartSpec => {
      const stacked = stack(values);
      // Drawn tallest first: each lower part of a stack paints over the one above it.
      const order = names.map((_, i) => i).reverse();
      const x = days.map((day) => Date.parse(`${day}T00:00:00Z`) / 1000);
      const bars = uPlot.paths.bars?.({ size: [0.7, 48], align: 0 });
      return {
        options: {
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
        data: [x, ...order.map((i) => stacked[i] ?? [])],
      };
    },
    [days, names, values, format],
  );

  return <ChartFigure label={label} names={names} height={height} draw={draw} />;
}
