import { useEffect, useRef } from 'react';
import { type ChartLook, type ChartSpec, mountChart, seriesClass, useThemeVersion } from './uplot-base.js';

/**
 * A uPlot chart in its frame: the canvas host (an image with a label for screen readers) and the
 * legend of series. `draw` says what to draw (keep it stable, e.g. with useCallback): the chart is
 * drawn again when it, the height or the theme changes.
 */
export function ChartFigure({
  label,
  names,
  height,
  draw,
}: {
  label: string;
  names: string[];
  height: number;
  draw: (look: ChartLook) => ChartSpec;
}) {
  const box = useRef<HTMLDivElement>(null);
  const theme = useThemeVersion();

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    void theme;
    return mountChart(el, height, names.length, draw);
  }, [draw, height, names.length, theme]);

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
