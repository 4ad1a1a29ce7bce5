import type { SeriesKey } from '#shared/cost/series-key';
import { type CostDetectorConfig, DEFAULT_COST_DETECTOR_CONFIG } from '#shared/detect/cost-detector';

/**
 * A monitor selects series (like AWS CAD's service/account/tag monitors) and carries its own
 * materiality. `select` entries are exact keys (`total`) or prefixes ending in `=`
 * (`service=` selects every service series).
 */
export interface MonitorConfig {
  name: string;
  select: readonly string[];
  /** Minimum impact in currency units; the detector default when absent. */
  minImpact?: number;
  /** Minimum impact in percent of expected; the detector default when absent. */
  minImpactPercent?: number;
}

/** What the pipeline watches out of the box; region and charge-category series are context only. */
export const DEFAULT_MONITORS: readonly MonitorConfig[] = [
  { name: 'total', select: ['total'] },
  { name: 'service', select: ['service='] },
  { name: 'account', select: ['account='] },
  { name: 'cost-center', select: ['tag:cost-center='] },
  { name: 'k8s-namespace', select: ['k8s-namespace='] },
  { name: 'k8s-cost-center', select: ['k8s-cost-center='] },
];

/** The first monitor that selects a series, or undefined when none watches it. */
export function monitorFor(
  seriesKey: SeriesKey,
  monitors: readonly MonitorConfig[],
): MonitorConfig | undefined {
  return monitors.find((monitor) =>
    monitor.select.some((selector) =>
      selector.endsWith('=') ? seriesKey.startsWith(selector) : seriesKey === selector,
    ),
  );
}

/** The detector configuration a monitor's series are evaluated with (its materiality overrides). */
export function detectorConfigFor(
  monitor: MonitorConfig,
  base: CostDetectorConfig = DEFAULT_COST_DETECTOR_CONFIG,
): CostDetectorConfig {
  return {
    ...base,
    minImpact: monitor.minImpact ?? base.minImpact,
    minImpactPercent: monitor.minImpactPercent ?? base.minImpactPercent,
  };
}
