package dev.harvest.outbox.metrics;

import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.jspecify.annotations.Nullable;

import dev.harvest.outbox.harvest.HarvestObserver;
import dev.harvest.outbox.harvest.Harvester;
import dev.harvest.outbox.harvest.PoisonPolicy;
import dev.harvest.outbox.harvest.QuarantineActions;
import dev.harvest.outbox.jdbc.QuarantineActionResult.Action;
import dev.harvest.outbox.kafka.SendFailureKind;

/**
 * Binds the harvester's state to Micrometer. Meters, all tagged with the instance name
 * ({@code harvest.name}):
 * <ul>
 * <li>{@code harvest.records.published} (counter): records acknowledged by Kafka</li>
 * <li>{@code harvest.records.in.flight} (gauge): records sent and not yet acknowledged</li>
 * <li>{@code harvest.records.queued} (gauge): records marked and waiting to be sent</li>
 * <li>{@code harvest.leader} (gauge): 1 while this instance leads, else 0</li>
 * <li>{@code harvest.epoch} (gauge): the current leadership epoch, 0 when not leading</li>
 * <li>{@code harvest.records.latency} (timer): from the outbox row's create time to Kafka's
 * acknowledgement</li>
 * <li>{@code harvest.mark} and {@code harvest.purge} (timers): database statement times</li>
 * <li>{@code harvest.records.failed} (counter): failed sends, tagged with the failure's class
 * ({@code error.class}) and how it was classified ({@code kind})</li>
 * <li>{@code harvest.records.quarantined} (counter): rows moved to quarantine, tagged with the
 * poison {@code policy}</li>
 * <li>{@code harvest.keys.held} (gauge): keys the leader holds back behind a record that cannot
 * be published</li>
 * <li>{@code harvest.quarantine.actions} (counter): operator actions on the quarantine, tagged
 * with the {@code action}</li>
 * </ul>
 * Record keys are never used as tags.
 */
public class HarvestMetrics implements MeterBinder, HarvestObserver {

	private final Harvester harvester;

	private final @Nullable QuarantineActions quarantineActions;

	private volatile @Nullable MeterRegistry registry;

	private volatile Tags tags = Tags.empty();

	private volatile @Nullable Timer latency;

	private volatile @Nullable Timer mark;

	private volatile @Nullable Timer purge;

	/**
	 * Creates the binder and makes it the harvester's observer.
	 * @param harvester the harvester to measure
	 */
	public HarvestMetrics(Harvester harvester) {
		this(harvester, null);
	}

	/**
	 * Creates the binder, makes it the harvester's observer and counts the operator actions.
	 * @param harvester the harvester to measure
	 * @param quarantineActions the operator actions to count, or {@code null}
	 */
	public HarvestMetrics(Harvester harvester, @Nullable QuarantineActions quarantineActions) {
		this.harvester = harvester;
		this.quarantineActions = quarantineActions;
		harvester.setObserver(this);
	}

	@Override
	public void recordFailed(Throwable failure, SendFailureKind kind) {
		MeterRegistry target = this.registry;
		if (target != null) {
			Counter.builder("harvest.records.failed")
				.description("Failed sends of records to Kafka")
				.tags(this.tags)
				.tag("error.class", failure.getClass().getSimpleName())
				.tag("kind", kind.name().toLowerCase(Locale.ROOT))
				.register(target)
				.increment();
		}
	}

	@Override
	public void recordQuarantined(PoisonPolicy policy) {
		MeterRegistry target = this.registry;
		if (target != null) {
			Counter.builder("harvest.records.quarantined")
				.description("Outbox rows moved to quarantine instead of being published")
				.tags(this.tags)
				.tag("policy", policy.name().toLowerCase(Locale.ROOT))
				.register(target)
				.increment();
		}
	}

	@Override
	public void recordAcknowledged(Instant createTime, Instant acknowledged) {
		Timer timer = this.latency;
		if (timer != null && !createTime.equals(Instant.EPOCH)) {
			timer.record(Duration.between(createTime, acknowledged));
		}
	}

	@Override
	public void markCompleted(Duration duration, int rows) {
		Timer timer = this.mark;
		if (timer != null) {
			timer.record(duration);
		}
	}

	@Override
	public void purgeCompleted(Duration duration, int rows) {
		Timer timer = this.purge;
		if (timer != null) {
			timer.record(duration);
		}
	}

	@Override
	public void bindTo(MeterRegistry registry) {
		Tags tags = Tags.of(Tag.of("harvest.name", this.harvester.config().name()));
		this.tags = tags;
		this.registry = registry;
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
		this.latency = Timer.builder("harvest.records.latency")
			.description("Time from writing an outbox row to Kafka's acknowledgement of its record")
			.publishPercentileHistogram()
			.tags(tags)
			.register(registry);
		Gauge.builder("harvest.keys.held", this.harvester, Harvester::heldKeys)
			.description("Keys held back behind a record that cannot be published")
			.tags(tags)
			.register(registry);
		QuarantineActions actions = this.quarantineActions;
		if (actions != null) {
			for (Action action : Action.values()) {
				FunctionCounter.builder("harvest.quarantine.actions", actions, (counted) -> counted.count(action))
					.description("Operator actions on the quarantine")
					.tags(tags)
					.tag("action", action.name().toLowerCase(Locale.ROOT))
					.register(registry);
			}
		}
		this.mark = Timer.builder("harvest.mark").description("Mark statement time").tags(tags).register(registry);
		this.purge = Timer.builder("harvest.purge").description("Purge statement time").tags(tags).register(registry);
	}

}
