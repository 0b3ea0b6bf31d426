import { useCallback } from 'react';
import type uPlot from 'uplot';
import { ChartFigure } from './ChartFigure.js';
import type { ChartLook, ChartSpec } from './uplot-base.js';

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
  const draw = useCallback(
    ({ axis, colors }: ChartLook): ChartSpec => ({
      options: {
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
      data: [times, ...values] as uPlot.AlignedData,
    }),
    [times, names, values, format, timeLabel, minTop],
  );

  return <ChartFigure label={label} names={names} height={height} draw={draw} />;
}
