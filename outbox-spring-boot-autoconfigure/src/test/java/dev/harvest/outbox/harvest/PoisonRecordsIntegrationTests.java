package dev.harvest.outbox.harvest;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.harvest.outbox.harvest.LiveOutbox.Shape;
import dev.harvest.outbox.harvest.event.KeyHeld;
import dev.harvest.outbox.harvest.event.KeyReleased;
import dev.harvest.outbox.harvest.event.RecordPublishFailed;
import dev.harvest.outbox.jdbc.JdbcQuarantineStore;
import dev.harvest.outbox.jdbc.QuarantinedRow;
import dev.harvest.outbox.test.OrderChecker;
import dev.harvest.outbox.test.TestInfrastructure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Integration tests of records that can never be published, on a real PostgreSQL and Kafka:
 * a record larger than its topic allows among a thousand good ones, a topic name Kafka
 * refuses, a malformed row; each with the poison policies and the operator's actions.
 */
class PoisonRecordsIntegrationTests {

	private static final int KEYS = 50;

	private static final String POISON_KEY = "key-7";

	/** The topic's limit; the poison record is larger, every other record far smaller. */
	private static final int MAX_MESSAGE_BYTES = 20_000;

	private static final int POISON_SIZE = 50_000;

	private static final Duration WAIT = Duration.ofSeconds(60);

	private final TestInfrastructure infrastructure = TestInfrastructure.get();

	private final String group = TestInfrastructure.uniqueName("poison-it");

	private final List<HarvesterNode> nodes = new ArrayList<>();

	private final List<AutoCloseable> resources = new ArrayList<>();

	private final Map<String, Long> committed = new LinkedHashMap<>();

	private LiveOutbox outbox;

	private String topic;

	private JdbcQuarantineStore quarantine;

	private long poisonId;

	@BeforeEach
	void createOutboxAndTopic() {
		this.outbox = LiveOutbox.create(Shape.RECOMMENDED);
		this.resources.add(this.outbox);
		this.topic = createTopic(TestInfrastructure.uniqueName("poison"), MAX_MESSAGE_BYTES);
		this.quarantine = new JdbcQuarantineStore(this.outbox.newDataSource(2), this.outbox.table());
	}

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
	void holdKeyQuarantinesThePoisonRecordWhileEveryOtherKeyFlowsAndReleaseLetsItsKeyGoOnInOrder()
			throws Exception {
		writeThousandRecordsWithPoison();
		// Retries take at least six seconds, far longer than the good records need.
		HarvesterNode node = start(new RetryPolicy(Duration.ofSeconds(3), Duration.ofSeconds(3), 0, 3,
				PoisonPolicy.HOLD_KEY));
		try (PublishedRecords published = new PublishedRecords(this.topic, true)) {
			assertThat(published.pollUntil((records) -> otherKeysDelivered(records), WAIT)).isTrue();
			assertThat(this.quarantine.list(0, 10).items()).as("every other key went on while the poison record was retried")
				.isEmpty();
			assertThat(published.delivered(POISON_KEY)).isEqualTo(10);

			QuarantinedRow poison = awaitQuarantined(this.poisonId);
			assertThat(poison.attempts()).isEqualTo(3);
			assertThat(poison.errorClass()).isEqualTo(RecordTooLargeException.class.getName());
			assertThat(poison.policy()).isEqualTo(PoisonPolicy.HOLD_KEY);
			assertThat(poison.holdsKey()).isTrue();
			assertThat(this.outbox.count()).as("the key's later rows wait in the outbox").isEqualTo(10);
			published.pollFor(Duration.ofSeconds(1));
			assertThat(published.delivered(POISON_KEY)).isEqualTo(10);
			assertThat(node.events(RecordPublishFailed.class)).extracting(RecordPublishFailed::attempt)
				.containsExactly(1, 2, 3);
			await().atMost(WAIT).until(() -> node.events(KeyHeld.class).size() == 1);

			new QuarantineActions(this.quarantine, node.harvester()).release(this.topic, POISON_KEY);

			OrderChecker.Report report = published.awaitDelivered(this.committed, WAIT);
			assertThat(report.regressions()).isZero();
			assertThat(report.gaps()).as("the released key goes on without its quarantined record").isOne();
			assertThat(report.missing()).isZero();
			assertThat(report.problems()).containsExactly("key " + POISON_KEY + " jumped from 9 to 11");
			await().atMost(WAIT).until(() -> this.outbox.count() == 0);
			assertThat(this.quarantine.list(0, 10).items()).singleElement()
				.satisfies((row) -> assertThat(row.releasedAt()).isNotNull());
			await().atMost(WAIT).until(() -> node.events(KeyReleased.class).size() == 1);
		}
	}

	@Test
	void retryFromQuarantinePublishesTheRowWithItsOriginalIdAheadOfItsKeysLaterRows() throws Exception {
		writeThousandRecordsWithPoison();
		HarvesterNode node = start(quickRetries(PoisonPolicy.HOLD_KEY));
		try (PublishedRecords published = new PublishedRecords(this.topic, true)) {
			awaitQuarantined(this.poisonId);
			assertThat(published.pollUntil(this::otherKeysDelivered, WAIT)).isTrue();
			// The operator fixes the cause, then retries the row.
			raiseMaxMessageBytes(this.topic, POISON_SIZE * 4);
			new QuarantineActions(this.quarantine, node.harvester()).retry(this.poisonId);

			OrderChecker.Report report = published.awaitDelivered(this.committed, WAIT);
			assertThat(report.isClean()).as(report.toString()).isTrue();
			assertThat(published.records()).filteredOn((record) -> PublishedRecords.outboxId(record) == this.poisonId)
				.singleElement()
				.satisfies((record) -> assertThat(PublishedRecords.sequence(record)).isEqualTo(10));
			assertThat(this.quarantine.list(0, 10).total()).isZero();
			await().atMost(WAIT).until(() -> this.outbox.count() == 0);
		}
	}

	@Test
	void parkKeyParksTheKeysRowsInIdOrderAndReplaysThemInIdOrder() throws Exception {
		writeThousandRecordsWithPoison();
		HarvesterNode node = start(quickRetries(PoisonPolicy.PARK_KEY));
		try (PublishedRecords published = new PublishedRecords(this.topic, true)) {
			assertThat(published.pollUntil(this::otherKeysDelivered, WAIT)).isTrue();
			await().atMost(WAIT).until(() -> this.quarantine.list(0, 100).total() == 11);
			try (Connection connection = this.outbox.connection()) {
				this.outbox.insert(connection, this.topic, POISON_KEY, 21);
			}
			this.committed.merge(POISON_KEY, 1L, Long::sum);
			node.harvester().wakeUp();
			await().atMost(WAIT).until(() -> this.quarantine.list(0, 100).total() == 12);
			List<QuarantinedRow> parked = this.quarantine.list(0, 100).items();
			assertThat(parked).extracting(QuarantinedRow::key).containsOnly(POISON_KEY);
			assertThat(parked).extracting(QuarantinedRow::policy).containsOnly(PoisonPolicy.PARK_KEY);
			assertThat(parked.get(0).id()).isEqualTo(this.poisonId);
			assertThat(parked).extracting(QuarantinedRow::id).isSorted();
			assertThat(this.outbox.count()).isZero();
			assertThat(published.delivered(POISON_KEY)).isEqualTo(10);

			raiseMaxMessageBytes(this.topic, POISON_SIZE * 4);
			new QuarantineActions(this.quarantine, node.harvester()).replay(this.topic, POISON_KEY);

			OrderChecker.Report report = published.awaitDelivered(this.committed, WAIT);
			assertThat(report.isClean()).as(report.toString()).isTrue();
			assertThat(published.delivered(POISON_KEY)).isEqualTo(22);
			assertThat(this.quarantine.list(0, 10).total()).isZero();
		}
	}

	@Test
	void skipRecordQuarantinesThePoisonRecordAndItsKeyGoesOn() throws Exception {
		writeThousandRecordsWithPoison();
		start(quickRetries(PoisonPolicy.SKIP_RECORD));
		try (PublishedRecords published = new PublishedRecords(this.topic, true)) {
			OrderChecker.Report report = published.awaitDelivered(this.committed, WAIT);
			assertThat(report.regressions()).isZero();
			assertThat(report.missing()).isZero();
			assertThat(report.problems()).containsExactly("key " + POISON_KEY + " jumped from 9 to 11");
			QuarantinedRow poison = awaitQuarantined(this.poisonId);
			assertThat(poison.policy()).isEqualTo(PoisonPolicy.SKIP_RECORD);
			assertThat(poison.holdsKey()).isFalse();
			await().atMost(WAIT).until(() -> this.outbox.count() == 0);
		}
	}

	@ParameterizedTest
	@EnumSource(PoisonPolicy.class)
	void topicNameKafkaRefusesFollowsThePoisonPolicyWhileOtherTopicsFlow(PoisonPolicy policy) throws Exception {
		String invalid = "no such topic!";
		long refused;
		long later;
		try (Connection connection = this.outbox.connection()) {
			refused = this.outbox.insert(connection, invalid, "k", 0);
			later = this.outbox.insert(connection, invalid, "k", 1);
		}
		this.outbox.insertSequenced(this.topic, KEYS, 500, this.committed);
		start(quickRetries(policy));
		try (PublishedRecords published = new PublishedRecords(this.topic, true)) {
			assertThat(published.awaitDelivered(this.committed, WAIT).isClean()).isTrue();
			QuarantinedRow row = awaitQuarantined(refused);
			assertThat(row.errorClass()).isEqualTo(InvalidTopicException.class.getName());
			assertThat(row.attempts()).isEqualTo(3);
			assertThat(row.policy()).isEqualTo(policy);
			switch (policy) {
				case HOLD_KEY -> {
					// The key's later row waits in the outbox behind the held one.
					assertThat(row.holdsKey()).isTrue();
					published.pollFor(Duration.ofMillis(500));
					assertThat(this.outbox.leaderIds()).containsOnlyKeys(later);
				}
				case PARK_KEY -> {
					// The later row is parked behind it without a send of its own.
					QuarantinedRow parked = awaitQuarantined(later);
					assertThat(parked.attempts()).isZero();
					assertThat(parked.policy()).isEqualTo(PoisonPolicy.PARK_KEY);
					assertThat(this.outbox.count()).isZero();
				}
				case SKIP_RECORD -> {
					// The key goes on: its later row is tried, and refused, on its own.
					assertThat(row.holdsKey()).isFalse();
					QuarantinedRow skipped = awaitQuarantined(later);
					assertThat(skipped.attempts()).isEqualTo(3);
					await().atMost(WAIT).until(() -> this.outbox.count() == 0);
				}
			}
		}
	}

	@Test
	void malformedRowIsQuarantinedWithoutASendAndOtherKeysFlow() throws Exception {
		long malformed;
		long waiting;
		try (Connection connection = this.outbox.connection(); Statement statement = connection.createStatement()) {
			statement.execute("INSERT INTO " + this.outbox.table().sql() + " (create_time, kafka_topic, kafka_key,"
					+ " kafka_value, kafka_header_keys, kafka_header_values) VALUES (now(), '" + this.topic
					+ "', 'malformed', NULL, '{a,b}', '{x}')");
			malformed = this.outbox.leaderIds().keySet().iterator().next();
			waiting = this.outbox.insert(connection, this.topic, "malformed", 0);
		}
		this.outbox.insertSequenced(this.topic, 5, 50, this.committed);
		start(quickRetries(PoisonPolicy.HOLD_KEY));
		try (PublishedRecords published = new PublishedRecords(this.topic, true)) {
			assertThat(published.awaitDelivered(this.committed, WAIT).isClean()).isTrue();
			QuarantinedRow row = awaitQuarantined(malformed);
			assertThat(row.attempts()).isZero();
			assertThat(row.lastError()).contains("unequal number of header keys");
			assertThat(row.headerKeys()).containsExactly("a", "b");
			assertThat(this.outbox.leaderIds()).containsOnlyKeys(waiting);
			assertThat(published.records()).extracting(ConsumerRecord::key).doesNotContain("malformed");
		}
	}

	/**
	 * Writes 1,000 good records over 50 keys, each key numbered from 0, and among them, as the
	 * 11th record of {@link #POISON_KEY}, one larger than the topic allows. Its value is still the key's
	 * sequence number, padded with zeros, so that it can be checked once it gets through.
	 */
	private void writeThousandRecordsWithPoison() throws SQLException {
		this.outbox.insertSequenced(this.topic, KEYS, 500, this.committed);
		long sequence = this.committed.get(POISON_KEY);
		String padded = "0".repeat(POISON_SIZE - 2) + sequence;
		try (Connection connection = this.outbox.connection()) {
			this.poisonId = this.outbox.insert(connection, this.topic, POISON_KEY,
					padded.getBytes(StandardCharsets.UTF_8), List.of());
		}
		this.committed.merge(POISON_KEY, 1L, Long::sum);
		this.outbox.insertSequenced(this.topic, KEYS, 500, this.committed);
	}

	private boolean otherKeysDelivered(PublishedRecords published) {
		return this.committed.entrySet()
			.stream()
			.filter((entry) -> !entry.getKey().equals(POISON_KEY))
			.allMatch((entry) -> published.delivered(entry.getKey()) >= entry.getValue());
	}

	private QuarantinedRow awaitQuarantined(long id) {
		await().atMost(WAIT).until(() -> quarantined(id) != null);
		return quarantined(id);
	}

	private QuarantinedRow quarantined(long id) {
		return this.quarantine.list(0, 1000).items().stream().filter((row) -> row.id() == id).findFirst().orElse(null);
	}

	private HarvesterNode start(RetryPolicy retry) {
		HarvesterNode node = HarvesterNode.builder(this.outbox, this.group, "poison-a").retry(retry).start();
		this.nodes.add(node);
		node.awaitLeading(WAIT);
		return node;
	}

	private static RetryPolicy quickRetries(PoisonPolicy policy) {
		return new RetryPolicy(Duration.ofMillis(50), Duration.ofMillis(200), 0, 3, policy);
	}

	private String createTopic(String name, int maxMessageBytes) {
		try (Admin admin = admin()) {
			NewTopic topic = new NewTopic(name, 8, (short) 1)
				.configs(Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(maxMessageBytes)));
			admin.createTopics(List.of(topic)).all().get(30, TimeUnit.SECONDS);
		}
		catch (Exception ex) {
			throw new IllegalStateException("Could not create topic " + name, ex);
		}
		return name;
	}

	private void raiseMaxMessageBytes(String name, int maxMessageBytes) throws Exception {
		try (Admin admin = admin()) {
			ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, name);
			Collection<AlterConfigOp> change = List.of(new AlterConfigOp(
					new ConfigEntry(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(maxMessageBytes)),
					AlterConfigOp.OpType.SET));
			admin.incrementalAlterConfigs(Map.of(resource, change)).all().get(30, TimeUnit.SECONDS);
		}
	}

	private Admin admin() {
		return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, this.infrastructure.bootstrapServers()));
	}

}
