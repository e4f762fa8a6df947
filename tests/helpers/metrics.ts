/** A metrics sink that records what the code under test emits, for assertions: `name`, or `name{dimension=value}`. */
import type { MetricsSink, PipelineUnit } from '../../functions/shared/metrics-sink.js';

/** One recorded metric. */
export interface RecordedMetric {
  metric: string;
  unit: PipelineUnit;
  value: number;
}

/** A recording sink. */
export interface RecordingMetrics extends MetricsSink {
  recorded: RecordedMetric[];
  names(): string[];
  /** Sum of the values recorded under `metric` (with its dimensions, if any, in the name). */
  count(metric: string): number;
  clear(): void;
}

/** A sink that keeps every metric it is given. */
export function recordingMetrics(): RecordingMetrics {
  const recorded: RecordedMetric[] = [];
  return {
    recorded,
    names: () => recorded.map((entry) => entry.metric),
    count: (metric) => recorded.filter((entry) => entry.metric === metric).reduce((sum, entry) => sum + entry.value, 0),
    clear: () => void recorded.splice(0),
    addMetric: (name, unit, value) => void recorded.push({ metric: name, unit, value }),
    singleMetric: () => {
      const dimensions: string[] = [];
      return {
        addDimension: (name, value) => void dimensions.push(`${name}=${value}`),
        addMetric: (name, unit, value) => void recorded.push({ metric: `${name}{${dimensions.join(',')}}`, unit, value }),
      };
    },
  };
}
