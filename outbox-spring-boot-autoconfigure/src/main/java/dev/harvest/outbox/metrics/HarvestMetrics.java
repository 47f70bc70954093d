package dev.harvest.outbox.metrics;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.jspecify.annotations.Nullable;

import dev.harvest.outbox.backlog.BacklogMonitor;
import dev.harvest.outbox.backlog.BacklogReport;
import dev.harvest.outbox.backlog.BacklogReport.TopicBacklog;
import dev.harvest.outbox.backlog.BacklogStatus;
import dev.harvest.outbox.harvest.HarvestObserver;
import dev.harvest.outbox.harvest.Harvester;
import dev.harvest.outbox.harvest.PoisonPolicy;
import dev.harvest.outbox.harvest.QuarantineActions;
import dev.harvest.outbox.jdbc.QuarantineActionResult.Action;
import dev.harvest.outbox.kafka.SendFailureKind;
import dev.harvest.outbox.membership.MembershipView;

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
 * With a backlog monitor, from its latest report (NaN before the first sample):
 * <ul>
 * <li>{@code harvest.backlog.status} (gauge): the backlog status as Burrow's code (NOTFOUND 0,
 * OK 1, WARN 2, STOP 4, STALL 5)</li>
 * <li>{@code harvest.backlog.records} and {@code harvest.backlog.oldest.age} (gauges): the
 * pending rows (up to the count cap) and the oldest one's age in seconds</li>
 * <li>{@code harvest.backlog.topic.records}, {@code harvest.backlog.topic.oldest.age} and
 * {@code harvest.backlog.topic.status} (gauges): the same for each topic sampled, tagged with
 * the {@code topic}; at most {@code harvest.backlog.top-topics} of them</li>
 * <li>{@code harvest.quarantine.rows} (gauge): rows in the quarantine table that wait for an
 * operator (not released), up to the count cap</li>
 * </ul>
 * With a membership view, {@code harvest.members} (gauge): the members of the leader group.
 * Record keys are never used as tags.
 */
public class HarvestMetrics implements MeterBinder, HarvestObserver {

	private final Harvester harvester;

	private final @Nullable QuarantineActions quarantineActions;

	private final @Nullable BacklogMonitor backlog;

	private final @Nullable MembershipView members;

	private volatile @Nullable MeterRegistry registry;

	private volatile @Nullable TopicGauges topicGauges;

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
		this(harvester, quarantineActions, null, null);
	}

	/**
	 * Creates the binder, makes it the harvester's observer and the backlog monitor's report
	 * observer, and counts the operator actions.
	 * @param harvester the harvester to measure
	 * @param quarantineActions the operator actions to count, or {@code null}
	 * @param backlog the backlog monitor whose reports to show, or {@code null}
	 * @param members the membership view whose members to count, or {@code null}
	 */
	public HarvestMetrics(Harvester harvester, @Nullable QuarantineActions quarantineActions,
			@Nullable BacklogMonitor backlog, @Nullable MembershipView members) {
		this.harvester = harvester;
		this.quarantineActions = quarantineActions;
		this.backlog = backlog;
		this.members = members;
		harvester.setObserver(this);
		if (backlog != null) {
			backlog.setReportObserver(this::backlogReported);
		}
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
		BacklogMonitor monitor = this.backlog;
		if (monitor != null) {
			bindBacklog(monitor, registry, tags);
		}
		MembershipView view = this.members;
		if (view != null) {
			Gauge.builder("harvest.members", view, (counted) -> counted.members().members().size())
				.description("Members of the leader group, as last described")
				.tags(tags)
				.register(registry);
		}
	}

	private void bindBacklog(BacklogMonitor monitor, MeterRegistry registry, Tags tags) {
		Gauge.builder("harvest.backlog.status", monitor, (judged) -> judged.report().status().code())
			.description("Backlog status as Burrow's code: NOTFOUND 0, OK 1, WARN 2, STOP 4, STALL 5")
			.tags(tags)
			.register(registry);
		Gauge.builder("harvest.backlog.records", monitor, (judged) -> judged(judged.report(), BacklogReport::totalBacklog))
			.description("Pending outbox rows, counted up to the count cap")
			.tags(tags)
			.register(registry);
		TimeGauge.builder("harvest.backlog.oldest.age", monitor, TimeUnit.SECONDS,
				(judged) -> judged(judged.report(), (report) -> seconds(report.oldestAge())))
			.description("Age of the oldest pending outbox row when last sampled")
			.tags(tags)
			.register(registry);
		Gauge.builder("harvest.quarantine.rows", monitor, (judged) -> quarantined(judged.report()))
			.description("Rows in the quarantine table, counted up to the count cap")
			.tags(tags)
			.register(registry);
		this.topicGauges = new TopicGauges(registry, tags);
		backlogReported(monitor.report());
	}

	private void backlogReported(BacklogReport report) {
		TopicGauges gauges = this.topicGauges;
		if (gauges != null) {
			gauges.update(report.topics());
		}
	}

	private static double judged(BacklogReport report, ToDoubleFunction<BacklogReport> value) {
		return (report.status() == BacklogStatus.NOTFOUND) ? Double.NaN : value.applyAsDouble(report);
	}

	private static double quarantined(BacklogReport report) {
		Long quarantined = report.quarantined();
		return (report.status() == BacklogStatus.NOTFOUND || quarantined == null) ? Double.NaN : quarantined;
	}

	private static double seconds(@Nullable Duration age) {
		return (age != null) ? age.toNanos() / 1e9 : 0;
	}

	/**
	 * The per-topic gauges, one row per topic of the latest report: topics that drop out of
	 * the report lose their gauges, so that the number of series stays bounded.
	 */
	private static final class TopicGauges {

		private final MultiGauge records;

		private final MultiGauge oldestAge;

		private final MultiGauge status;

		TopicGauges(MeterRegistry registry, Tags tags) {
			this.records = MultiGauge.builder("harvest.backlog.topic.records")
				.description("Pending outbox rows of a topic among those sampled")
				.tags(tags)
				.register(registry);
			this.oldestAge = MultiGauge.builder("harvest.backlog.topic.oldest.age")
				.description("Age in seconds of a topic's oldest pending outbox row when last sampled")
				.baseUnit("seconds")
				.tags(tags)
				.register(registry);
			this.status = MultiGauge.builder("harvest.backlog.topic.status")
				.description("Backlog status of a topic as Burrow's code")
				.tags(tags)
				.register(registry);
		}

		void update(List<TopicBacklog> topics) {
			List<MultiGauge.Row<?>> records = new ArrayList<>();
			List<MultiGauge.Row<?>> ages = new ArrayList<>();
			List<MultiGauge.Row<?>> statuses = new ArrayList<>();
			for (TopicBacklog topic : topics) {
				Tags tags = Tags.of("topic", topic.topic());
				records.add(MultiGauge.Row.of(tags, topic.backlog()));
				ages.add(MultiGauge.Row.of(tags, seconds(topic.oldestAge())));
				statuses.add(MultiGauge.Row.of(tags, topic.status().code()));
			}
			this.records.register(records, true);
			this.oldestAge.register(ages, true);
			this.status.register(statuses, true);
		}

	}

}
