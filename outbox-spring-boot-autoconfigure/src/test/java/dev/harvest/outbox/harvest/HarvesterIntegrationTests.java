package dev.harvest.outbox.harvest;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.harvest.outbox.harvest.LiveOutbox.Shape;
import dev.harvest.outbox.kafka.KafkaSenderShard;
import dev.harvest.outbox.test.OrderChecker;
import dev.harvest.outbox.test.TestInfrastructure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Integration tests for {@link Harvester} as a whole, one instance against a real PostgreSQL
 * outbox and a real Kafka broker: draining a backlog, late-committing transactions, wake-ups
 * by notification, and both outbox table shapes.
 */
class HarvesterIntegrationTests {

	private static final Log logger = LogFactory.getLog(HarvesterIntegrationTests.class);

	private static final Duration LEAD = Duration.ofSeconds(30);

	private final TestInfrastructure infrastructure = TestInfrastructure.get();

	private final String group = TestInfrastructure.uniqueName("harvest-it");

	private final List<HarvesterNode> nodes = new ArrayList<>();

	private final List<AutoCloseable> resources = new ArrayList<>();

	@AfterEach
	void stopEverything() throws Exception {
		try {
			HarvesterNode.stopAll(this.nodes);
		}
		finally {
			Collections.reverse(this.resources);
			for (AutoCloseable resource : this.resources) {
				resource.close();
			}
		}
	}

	@Test
	void drainsTenThousandRowsOverAHundredKeysCompletelyAndInPerKeyOrder() {
		LiveOutbox outbox = outbox(Shape.RECOMMENDED);
		String topic = this.infrastructure.newTopic("drain", 8);
		PublishedRecords published = consume(topic);
		Map<String, Long> written = outbox.insertSequenced(topic, 100, 10_000);
		HarvesterNode node = start(HarvesterNode.builder(outbox, this.group, "drain")).awaitLeading(LEAD);
		long leadingSince = node.acquiredAtNanos(1);
		await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(10)).until(() -> outbox.count() == 0);
		long seconds = System.nanoTime() - leadingSince;
		double rate = 10_000 / (seconds / 1e9);
		OrderChecker.Report report = published.awaitDelivered(written, Duration.ofSeconds(60));
		logger.info(String.format("Drained 10,000 rows over 100 keys in %d ms after taking the lead: %.0f records/s"
				+ " (published, acknowledged and purged); %s", TimeUnit.NANOSECONDS.toMillis(seconds), rate, report));
		assertThat(report.isClean()).as(report.toString()).isTrue();
		assertThat(report.delivered()).isEqualTo(10_000);
		assertThat(written).hasSize(100).allSatisfy((key, count) -> assertThat(count).isEqualTo(100));
		assertThat(node.harvester().counters().purged()).isGreaterThanOrEqualTo(10_000);
	}

	@Test
	void lateCommittingTransactionWithALowerIdIsDeliveredAfterItsKeysLaterRows() throws SQLException {
		LiveOutbox outbox = outbox(Shape.RECOMMENDED);
		String topic = this.infrastructure.newTopic("late", 4);
		PublishedRecords published = consume(topic);
		HarvesterNode node = start(HarvesterNode.builder(outbox, this.group, "late")
			.limits((limits) -> limits.headRescanInterval(Duration.ofMillis(200)))).awaitLeading(LEAD);
		long lateId;
		try (Connection late = outbox.connection()) {
			late.setAutoCommit(false);
			// Takes its id now and commits last, so its key's sequence number is the last one.
			lateId = outbox.insert(late, topic, "key-0", 3);
			try (Connection writer = outbox.connection()) {
				for (int sequence = 0; sequence < 3; sequence++) {
					outbox.insert(writer, topic, "key-0", sequence);
					outbox.insert(writer, topic, "key-1", sequence);
				}
			}
			assertThat(published.pollUntil(
					(records) -> records.delivered("key-0") == 3 && records.delivered("key-1") == 3,
					Duration.ofSeconds(30)))
				.isTrue();
			await().atMost(Duration.ofSeconds(10)).until(() -> outbox.count() == 0);
			late.commit();
		}
		long committedAt = System.nanoTime();
		OrderChecker.Report report = published.awaitDelivered(Map.of("key-0", 4L, "key-1", 3L), Duration.ofSeconds(30));
		assertThat(report.isClean()).as(report.toString()).isTrue();
		assertThat(report.duplicates()).isZero();
		ConsumerRecord<String, byte[]> lateRecord = published.records()
			.stream()
			.filter((record) -> PublishedRecords.outboxId(record) == lateId)
			.findFirst()
			.orElseThrow();
		assertThat(PublishedRecords.sequence(lateRecord)).isEqualTo(3);
		assertThat(published.records()).allSatisfy((record) -> assertThat(PublishedRecords.outboxId(record))
			.isGreaterThanOrEqualTo(lateId));
		assertThat(node.harvester().counters().late()).isGreaterThanOrEqualTo(1);
		int index = published.records().indexOf(lateRecord);
		long latency = TimeUnit.NANOSECONDS.toMillis(published.receivedAtNanos(index) - committedAt);
		logger.info("Row " + lateId + " committed late below the cursor and arrived " + latency
				+ " ms after its commit");
	}

	@Test
	void rowCommittedAfterAHigherIdGoesOutBeforeItsKeysNextRow() throws SQLException {
		LiveOutbox outbox = outbox(Shape.RECOMMENDED);
		String topic = this.infrastructure.newTopic("settled", 2);
		PublishedRecords published = consume(topic);
		// Long idle periods and no head rescan of its own accord: the leader next looks while
		// both rows of key-0 are committed, and only a cursor that never passed the open
		// transaction's id finds the first of them in time.
		Duration idle = Duration.ofMillis(800);
		HarvesterNode node = start(HarvesterNode.builder(outbox, this.group, "settled")
			.limits((limits) -> limits.markBackoff(idle).maxMarkBackoff(idle).headRescanInterval(Duration.ofHours(1))))
			.awaitLeading(LEAD);
		try (Connection open = outbox.connection(); Connection writer = outbox.connection()) {
			open.setAutoCommit(false);
			long first = outbox.insert(open, topic, "key-0", 0);
			long higher = outbox.insert(writer, topic, "key-1", 0);
			assertThat(higher).isGreaterThan(first);
			assertThat(published.pollUntil((records) -> records.delivered("key-1") == 1, Duration.ofSeconds(30)))
				.isTrue();
			// The leader has marked the higher id and gone idle; the first row of key-0 commits,
			// and only then is the key's next row written, as a serial writer would.
			open.commit();
			outbox.insert(writer, topic, "key-0", 1);
		}
		OrderChecker.Report report = published.awaitDelivered(Map.of("key-0", 2L, "key-1", 1L), Duration.ofSeconds(30));
		assertThat(report.isClean()).as(report.toString()).isTrue();
		assertThat(report.delivered()).isEqualTo(3);
		assertThat(node.harvester().counters().late()).isGreaterThanOrEqualTo(1);
	}

	@Test
	void notificationWakesTheLeaderLongBeforeItsIdleBackoffEnds() throws Exception {
		Duration idleBackoff = Duration.ofSeconds(5);
		LiveOutbox outbox = outbox(Shape.RECOMMENDED);
		String topic = this.infrastructure.newTopic("notify", 2);
		PublishedRecords published = consume(topic);
		HarvesterNode node = start(HarvesterNode.builder(outbox, this.group, "notify")
			.notifications(true)
			.limits((limits) -> limits.markBackoff(idleBackoff).maxMarkBackoff(idleBackoff))).awaitLeading(LEAD);
		// The leader marks as it takes the lead and then only every idle backoff; each row is
		// committed a second after the leader last looked, so polling alone would take about
		// four seconds.
		long lastLooked = node.acquiredAtNanos(1);
		List<Long> latencies = new ArrayList<>();
		for (int sequence = 0; sequence < 3; sequence++) {
			sleepUntil(lastLooked + TimeUnit.SECONDS.toNanos(1));
			long committedAt = insertAndNotify(outbox, topic, sequence);
			long expected = sequence + 1;
			assertThat(published.pollUntil((records) -> records.delivered("key-0") == expected, Duration.ofSeconds(15)))
				.isTrue();
			long receivedAt = published.receivedAtNanos(published.count() - 1);
			latencies.add(TimeUnit.NANOSECONDS.toMillis(receivedAt - committedAt));
			lastLooked = receivedAt;
		}
		logger.info("Commit-to-consumer latency with notifications and a " + idleBackoff.toMillis()
				+ " ms idle backoff: " + latencies + " ms");
		assertThat(latencies).allSatisfy((latency) -> assertThat(latency).isLessThan(idleBackoff.toMillis() / 2));
		await().atMost(Duration.ofSeconds(10)).until(() -> outbox.count() == 0);
	}

	@Test
	void withoutNotificationsPollingStillDelivers() throws Exception {
		Duration idleBackoff = Duration.ofSeconds(5);
		LiveOutbox outbox = outbox(Shape.RECOMMENDED);
		String topic = this.infrastructure.newTopic("poll", 2);
		PublishedRecords published = consume(topic);
		HarvesterNode node = start(HarvesterNode.builder(outbox, this.group, "poll")
			.notifications(false)
			.limits((limits) -> limits.markBackoff(idleBackoff).maxMarkBackoff(idleBackoff))).awaitLeading(LEAD);
		sleepUntil(node.acquiredAtNanos(1) + TimeUnit.SECONDS.toNanos(1));
		// Writers may notify whether anyone listens or not.
		long committedAt = insertAndNotify(outbox, topic, 0);
		assertThat(published.pollUntil((records) -> records.delivered("key-0") == 1, idleBackoff.multipliedBy(3)))
			.isTrue();
		long latency = TimeUnit.NANOSECONDS.toMillis(published.receivedAtNanos(0) - committedAt);
		logger.info("Commit-to-consumer latency by polling alone with a " + idleBackoff.toMillis()
				+ " ms idle backoff: " + latency + " ms");
		// Nothing but the idle backoff decided when the row went out.
		assertThat(latency).isGreaterThanOrEqualTo(idleBackoff.toMillis() / 2);
		await().atMost(Duration.ofSeconds(10)).until(() -> outbox.count() == 0);
	}

	@ParameterizedTest
	@EnumSource(Shape.class)
	void publishesValuesHeadersAndTombstonesAsStoredInEitherTableShape(Shape shape) throws SQLException {
		LiveOutbox outbox = outbox(shape);
		String topic = this.infrastructure.newTopic("shape", 3);
		PublishedRecords published = consume(topic, false);
		// A text table holds any UTF-8 text; a bytea table holds any bytes at all.
		byte[] value = (shape == Shape.RECOMMENDED) ? new byte[] { 0, (byte) 0xff, 0x7f, (byte) 0x80, 10 }
				: "h\u00e9llo w\u00f6rld \u2713".getBytes(StandardCharsets.UTF_8);
		List<Map.Entry<String, String>> headers = List.of(Map.entry("trace", "abc"), Map.entry("empty", ""),
				Map.entry("trace", "def"));
		long valued;
		long tombstone;
		long plain;
		try (Connection connection = outbox.connection()) {
			valued = outbox.insert(connection, topic, "order-1", value, headers);
			tombstone = outbox.insert(connection, topic, "order-1", null, List.of());
			plain = outbox.insert(connection, topic, "order-2", "plain".getBytes(StandardCharsets.UTF_8),
					List.of(Map.entry("content-type", "text/plain")));
		}
		start(HarvesterNode.builder(outbox, this.group, "shape-" + shape.name().toLowerCase())).awaitLeading(LEAD);
		assertThat(published.pollUntil((records) -> records.count() >= 3, Duration.ofSeconds(30))).isTrue();
		Map<Long, ConsumerRecord<String, byte[]>> byId = new LinkedHashMap<>();
		published.records().forEach((record) -> byId.put(PublishedRecords.outboxId(record), record));
		assertThat(byId).containsOnlyKeys(valued, tombstone, plain);
		assertThat(byId.get(valued).key()).isEqualTo("order-1");
		assertThat(byId.get(valued).value()).isEqualTo(value);
		assertThat(headers(byId.get(valued))).containsExactly("trace=abc", "empty=", "trace=def",
				KafkaSenderShard.OUTBOX_ID_HEADER + "=" + valued, KafkaSenderShard.LEADER_EPOCH_HEADER + "=1",
				KafkaSenderShard.LEADER_GROUP_HEADER + "=" + this.group);
		assertThat(byId.get(tombstone).key()).isEqualTo("order-1");
		assertThat(byId.get(tombstone).value()).isNull();
		assertThat(headers(byId.get(tombstone))).containsExactly(KafkaSenderShard.OUTBOX_ID_HEADER + "=" + tombstone,
				KafkaSenderShard.LEADER_EPOCH_HEADER + "=1", KafkaSenderShard.LEADER_GROUP_HEADER + "=" + this.group);
		assertThat(byId.get(plain).value()).asString(StandardCharsets.UTF_8).isEqualTo("plain");
		assertThat(headers(byId.get(plain))).first().isEqualTo("content-type=text/plain");
		// The tombstone follows its key's earlier record.
		assertThat(byId.get(valued).partition()).isEqualTo(byId.get(tombstone).partition());
		assertThat(byId.get(valued).offset()).isLessThan(byId.get(tombstone).offset());
		await().atMost(Duration.ofSeconds(10)).until(() -> outbox.count() == 0);
	}

	private LiveOutbox outbox(Shape shape) {
		LiveOutbox outbox = LiveOutbox.create(shape);
		this.resources.add(outbox);
		return outbox;
	}

	private PublishedRecords consume(String topic) {
		return consume(topic, true);
	}

	private PublishedRecords consume(String topic, boolean sequenced) {
		PublishedRecords published = new PublishedRecords(topic, sequenced);
		this.resources.add(published);
		return published;
	}

	private HarvesterNode start(HarvesterNode.Builder builder) {
		HarvesterNode node = builder.start();
		this.nodes.add(node);
		return node;
	}

	/**
	 * Inserts a row of {@code key-0} and, in the same transaction, notifies the outbox's
	 * channel, as the stasher does.
	 * @return {@link System#nanoTime()} right after the commit
	 */
	private static long insertAndNotify(LiveOutbox outbox, String topic, long sequence) throws SQLException {
		try (Connection connection = outbox.connection()) {
			connection.setAutoCommit(false);
			outbox.insert(connection, topic, "key-0", sequence);
			try (PreparedStatement statement = connection.prepareStatement("SELECT pg_notify(?, '')")) {
				statement.setString(1, outbox.table().notificationChannel());
				statement.execute();
			}
			connection.commit();
		}
		return System.nanoTime();
	}

	private static List<String> headers(@Nullable ConsumerRecord<String, byte[]> record) {
		List<String> headers = new ArrayList<>();
		for (Header header : record.headers()) {
			headers.add(header.key() + "=" + new String(header.value(), StandardCharsets.UTF_8));
		}
		return headers;
	}

	private static void sleepUntil(long nanos) throws InterruptedException {
		long remaining = nanos - System.nanoTime();
		if (remaining > 0) {
			TimeUnit.NANOSECONDS.sleep(remaining);
		}
	}

}
