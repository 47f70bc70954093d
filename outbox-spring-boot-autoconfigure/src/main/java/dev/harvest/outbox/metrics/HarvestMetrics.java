package dev.harvest.outbox.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;

import dev.harvest.outbox.harvest.Harvester;

/**
 * Binds the harvester's state to Micrometer. Meters, all tagged with the instance name
 * ({@code harvest.name}):
 * <ul>
 * <li>{@code harvest.records.published} (counter): records acknowledged by Kafka</li>
 * <li>{@code harvest.records.in.flight} (gauge): records sent and not yet acknowledged</li>
 * <li>{@code harvest.records.queued} (gauge): records marked and waiting to be sent</li>
 * <li>{@code harvest.leader} (gauge): 1 while this instance leads, else 0</li>
 * <li>{@code harvest.epoch} (gauge): the current leadership epoch, 0 when not leading</li>
 * </ul>
 * Record keys are never used as tags.
 */
public class HarvestMetrics implements MeterBinder {

	private final Harvester harvester;

	public HarvestMetrics(Harvester harvester) {
		this.harvester = harvester;
	}

	@Override
	public void bindTo(MeterRegistry registry) {
		Tags tags = Tags.of(Tag.of("harvest.name", this.harvester.config().name()));
		FunctionCounter.builder("harvest.records.published", this.harvester, (h) -> h.meterStats().totalCount())
			.description("Records acknowledged by Kafka")
			.tags(tags)
			.register(registry);
		Gauge.builder("harvest.records.in.flight", this.harvester, Harvester::inFlightRecords)
			.description("Records sent to Kafka and not yet acknowledged")
			.tags(tags)
			.register(registry);
		Gauge.builder("harvest.records.queued", this.harvester, Harvester::queuedRecords)
			.description("Records marked and waiting to be sent")
			.tags(tags)
			.register(registry);
		Gauge.builder("harvest.leader", this.harvester, (h) -> h.isLeader() ? 1 : 0)
			.description("Whether this instance leads the harvest group")
			.tags(tags)
			.register(registry);
		Gauge.builder("harvest.epoch", this.harvester, Harvester::epoch)
			.description("Current leadership epoch, 0 when not leading")
			.tags(tags)
			.register(registry);
	}

}
