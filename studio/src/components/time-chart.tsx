import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';

export interface ChartSeries {
  label: string;
  /** A colour with at least 3:1 contrast on white (the legend's swatch is beside its text). */
  color: string;
  values: Array<number | null>;
  dash?: number[];
  /** Dots at each value: for series with gaps, whose lone values a line would not show. */
  dots?: boolean;
}

/**
 * A uPlot line chart over time, as wide as its container (redrawn as that changes). A canvas says
 * nothing to a screen reader: the figure is labelled, and the legend below states each series'
 * latest value in text.
 */
export function TimeChart({ id, title, unit, times, series, format, integer }: { id: string; title: string; unit: string; times: number[]; series: ChartSeries[]; format: (value: number) => string; integer?: boolean }) {
  const holder = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const shape = series.map((s) => s.label).join('\u0000');

  useEffect(() => {
    const element = holder.current;
    if (!element) return;
    const options: uPlot.Options = {
      width: Math.max(200, element.clientWidth),
      height: 180,
      legend: { show: false },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true }, y: { range: (_u, min, max) => [Math.min(0, min ?? 0), Math.max(1, (max ?? 0) * 1.1)] } },
      axes: [
        { stroke: '#4d5560', grid: { stroke: '#e3e6ea' } },
        // Counts tick at whole numbers only.
        { stroke: '#4d5560', grid: { stroke: '#e3e6ea' }, size: 72, values: (_u, ticks) => ticks.map((tick) => format(tick)), ...(integer ? { incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000] } : {}) },
      ],
      series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.color, width: 2, spanGaps: false, points: s.dots ? { show: true, size: 6, fill: s.color } : { show: false }, ...(s.dash ? { dash: s.dash } : {}) }))],
    };
    const chart = new uPlot(options, [times, ...series.map((s) => s.values)] as uPlot.AlignedData, element);
    plot.current = chart;
    const resized = new ResizeObserver(() => chart.setSize({ width: Math.max(200, element.clientWidth), height: 180 }));
    resized.observe(element);
    return () => {
      resized.disconnect();
      chart.destroy();
      plot.current = null;
    };
    // Rebuilt only when the series change; new points go through setData below.
  }, [shape]);

  useEffect(() => {
    plot.current?.setData([times, ...series.map((s) => s.values)] as uPlot.AlignedData);
  }, [times, series]);

  return (
    <figure class="card chart-card" aria-labelledby={`${id}-title`} data-testid={`chart-${id}`}>
      <figcaption>
        <h2 id={`${id}-title`}>{title}</h2>
      </figcaption>
      <div ref={holder} class="chart" role="img" aria-label={`${title}, ${unit}, over time`} />
      <ul class="legend" aria-label={`${title}: latest values`}>
        {series.map((s) => {
          const latest = [...s.values].reverse().find((value) => value !== null && value !== undefined);
          return (
            <li key={s.label}>
              <span class="swatch" style={{ borderColor: s.color }} aria-hidden="true" /> {s.label}: <strong>{latest === undefined || latest === null ? '—' : format(latest)}</strong>
            </li>
          );
        })}
      </ul>
    </figure>
  );
}
