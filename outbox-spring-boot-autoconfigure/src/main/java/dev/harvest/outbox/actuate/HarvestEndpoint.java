package dev.harvest.outbox.actuate;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.actuate.endpoint.Access;
import org.springframework.boot.actuate.endpoint.OperationResponseBody;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;

import dev.harvest.outbox.backlog.BacklogMonitor;
import dev.harvest.outbox.harvest.HarvestError;
import dev.harvest.outbox.harvest.HarvestState;
import dev.harvest.outbox.harvest.Harvester;
import dev.harvest.outbox.harvest.Limits;
import dev.harvest.outbox.harvest.QuarantineActions;
import dev.harvest.outbox.harvest.event.MeterStats;
import dev.harvest.outbox.membership.MembershipView;

/**
 * {@link Endpoint @Endpoint} that shows what the harvester is doing, whether the outbox drains,
 * who is in the leader group, lists the quarantine, and lets an operator pause and resume
 * harvesting and retry, release or replay quarantined rows. Reads never query anything but the
 * quarantine. Write operations need {@code management.endpoint.harvest.access=unrestricted}.
 */
@Endpoint(id = "harvest", defaultAccess = Access.READ_ONLY)
public class HarvestEndpoint {

	/** Most in-flight keys listed in a response. */
	static final int MAX_KEYS = 100;

	private static final Log logger = LogFactory.getLog(HarvestEndpoint.class);

	/** Rows or keys in a page of a listing unless the request asks for another size. */
	static final int DEFAULT_PAGE_SIZE = 50;

	private final Harvester harvester;

	private final @Nullable QuarantineActions quarantine;

	private final @Nullable BacklogMonitor backlog;

	private final @Nullable MembershipView members;

	public HarvestEndpoint(Harvester harvester) {
		this(harvester, null);
	}

	/**
	 * Creates the endpoint without backlog and members sections.
	 * @param harvester the harvester
	 * @param quarantine the operator actions on the quarantine, or {@code null} for none
	 */
	public HarvestEndpoint(Harvester harvester, @Nullable QuarantineActions quarantine) {
		this(harvester, quarantine, null, null);
	}

	/**
	 * Creates the endpoint.
	 * @param harvester the harvester
	 * @param quarantine the operator actions on the quarantine, or {@code null} for none
	 * @param backlog the backlog monitor, or {@code null} when the evaluator is off
	 * @param members the membership view, or {@code null} when it is off
	 */
	public HarvestEndpoint(Harvester harvester, @Nullable QuarantineActions quarantine,
			@Nullable BacklogMonitor backlog, @Nullable MembershipView members) {
		this.harvester = harvester;
		this.quarantine = quarantine;
		this.backlog = backlog;
		this.members = members;
	}

	@ReadOperation
	public HarvestDescriptor harvest() {
		Set<String> keys = this.harvester.inFlightRecordKeys();
		List<String> shown = keys.stream().sorted().limit(MAX_KEYS).toList();
		return new HarvestDescriptor(this.harvester.state(), this.harvester.isPaused(),
				this.harvester.config().name(), this.harvester.config().outboxTable().toString(),
				this.harvester.config().leaderGroupId(), this.harvester.config().leaderTopic(),
				this.harvester.isLeader(), this.harvester.leaderId(), this.harvester.epoch(),
				this.harvester.inFlightRecords(), shown, keys.size() > shown.size(), this.harvester.queuedRecords(), this.harvester.heldKeys(),
				this.harvester.meterStats(), this.harvester.lastError(),
				(this.backlog != null) ? BacklogSummary.of(this.backlog.report()) : null,
				LimitsDescriptor.of(this.harvester.config().limits()));
	}

	/**
	 * Shows one section, {@code GET /actuator/harvest/<section>}:
	 * <ul>
	 * <li>{@code backlog}: the latest backlog report, with the topics that are not OK, or every
	 * topic sampled with {@code all=true};</li>
	 * <li>{@code members}: the leader group's members as last described, with the leader and
	 * this instance marked;</li>
	 * <li>{@code quarantine}: the quarantined rows (values by size only, headers by key only),
	 * and {@code held-keys}: the keys they hold, each ordered by id and paged with
	 * {@code page} (from 0) and {@code size} (1 to 1000, 50 unless given).</li>
	 * </ul>
	 * The backlog and members sections are kept up to date in the background and never query
	 * anything here.
	 * @param section {@code backlog}, {@code members}, {@code quarantine} or {@code held-keys}
	 * @param page the page number, for the quarantine listings
	 * @param size the page size, for the quarantine listings
	 * @param all whether the backlog section lists every topic, for {@code backlog}
	 * @return the section; 404 with a message for an unknown or unavailable section, 400 for a
	 * bad page or size
	 */
	@ReadOperation
	public WebEndpointResponse<Object> section(@Selector String section, @Nullable Integer page,
			@Nullable Integer size, @Nullable Boolean all) {
		return switch (section) {
			case "backlog" -> backlogSection(Boolean.TRUE.equals(all));
			case "members" -> membersSection();
			case "quarantine", "held-keys" -> quarantineSection(section, page, size);
			default -> error(WebEndpointResponse.STATUS_NOT_FOUND,
					"Unknown section '" + section + "'; use 'backlog', 'members', 'quarantine' or 'held-keys'");
		};
	}

	private WebEndpointResponse<Object> backlogSection(boolean all) {
		BacklogMonitor monitor = this.backlog;
		if (monitor == null) {
			return error(WebEndpointResponse.STATUS_NOT_FOUND,
					"The backlog evaluator is off here (harvest.backlog.enabled=false)");
		}
		return new WebEndpointResponse<>(BacklogDescriptor.of(monitor.report(), all));
	}

	private WebEndpointResponse<Object> membersSection() {
		MembershipView view = this.members;
		if (view == null) {
			return error(WebEndpointResponse.STATUS_NOT_FOUND,
					"The membership view is off here (harvest.membership.enabled=false)");
		}
		return new WebEndpointResponse<>(MembersDescriptor.of(view.members(), this.harvester.lastHeartbeat()));
	}

	private WebEndpointResponse<Object> quarantineSection(String section, @Nullable Integer page,
			@Nullable Integer size) {
		QuarantineActions actions = this.quarantine;
		if (actions == null) {
			return error(WebEndpointResponse.STATUS_NOT_FOUND, "The quarantine is not available here");
		}
		int number = (page != null) ? page : 0;
		int length = (size != null) ? size : DEFAULT_PAGE_SIZE;
		try {
			return section.equals("quarantine") ? new WebEndpointResponse<>(actions.rows(number, length))
					: new WebEndpointResponse<>(actions.heldKeys(number, length));
		}
		catch (IllegalArgumentException ex) {
			return error(WebEndpointResponse.STATUS_BAD_REQUEST, ex.getMessage());
		}
	}

	/**
	 * Carries out an operator action, {@code POST /actuator/harvest/<action>}:
	 * <ul>
	 * <li>{@code pause} and {@code resume}: a paused leader keeps leadership but marks and sends
	 * nothing new;</li>
	 * <li>{@code retry} with {@code {"id": …}}: moves a quarantined row back into the outbox with
	 * its original id, ahead of its key's later rows;</li>
	 * <li>{@code release} with {@code {"topic": …, "key": …}}: a held key's later rows are
	 * published without its quarantined rows;</li>
	 * <li>{@code replay} with {@code {"topic": …, "key": …}}: all of a key's quarantined rows go
	 * back into the outbox and out again in id order.</li>
	 * </ul>
	 * @param action the action
	 * @param id the row id, for {@code retry}
	 * @param topic the Kafka topic, for {@code release} and {@code replay}
	 * @param key the record key, for {@code release} and {@code replay}
	 * @return what was done; 400 for a missing parameter, 404 for an unknown action, row or key,
	 * each with a message
	 */
	@WriteOperation
	public WebEndpointResponse<Object> perform(@Selector String action, @Nullable Long id, @Nullable String topic,
			@Nullable String key) {
		if (action.equals("pause") || action.equals("resume")) {
			return pauseOrResume(action);
		}
		QuarantineActions actions = this.quarantine;
		if (actions == null) {
			return error(WebEndpointResponse.STATUS_NOT_FOUND, "The quarantine is not available here");
		}
		try {
			return switch (action) {
				case "retry" -> (id != null) ? new WebEndpointResponse<>(actions.retry(id))
						: error(WebEndpointResponse.STATUS_BAD_REQUEST, "Retry needs the id of a quarantined row");
				case "release", "replay" -> keyAction(actions, action, topic, key);
				default -> error(WebEndpointResponse.STATUS_NOT_FOUND,
						"Unknown action '" + action + "'; use pause, resume, retry, release or replay");
			};
		}
		catch (IllegalArgumentException ex) {
			return error(WebEndpointResponse.STATUS_NOT_FOUND, ex.getMessage());
		}
	}

	private WebEndpointResponse<Object> pauseOrResume(String action) {
		if (action.equals("pause")) {
			this.harvester.pause();
		}
		else {
			this.harvester.resume();
		}
		logger.info("Harvester " + action + "d through the harvest endpoint");
		return new WebEndpointResponse<>(harvest());
	}

	private static WebEndpointResponse<Object> keyAction(QuarantineActions actions, String action,
			@Nullable String topic, @Nullable String key) {
		if (topic == null || key == null) {
			return error(WebEndpointResponse.STATUS_BAD_REQUEST,
					"Action '" + action + "' needs the topic and the key of a quarantined key");
		}
		return new WebEndpointResponse<>(
				action.equals("release") ? actions.release(topic, key) : actions.replay(topic, key));
	}

	private static WebEndpointResponse<Object> error(int status, @Nullable String message) {
		return new WebEndpointResponse<>(Map.of("status", status, "error", String.valueOf(message)), status);
	}

	/**
	 * What the harvester is doing.
	 *
	 * @param state lifecycle state
	 * @param paused whether an operator paused harvesting
	 * @param name instance name
	 * @param outboxTable the outbox table
	 * @param leaderGroupId the leader election group
	 * @param leaderTopic the leader election topic
	 * @param leader whether this instance leads
	 * @param leaderId the current leader id, when leading
	 * @param epoch the current leadership epoch, when leading
	 * @param inFlightRecords records sent and not yet acknowledged
	 * @param inFlightKeys keys with a record in flight (at most 100)
	 * @param inFlightKeysTruncated whether more keys are in flight than listed
	 * @param queuedRecords records marked and waiting to be sent
	 * @param heldKeys keys held back behind a record that cannot be published
	 * @param meter throughput
	 * @param lastError the last error seen, if any
	 * @param backlog whether the outbox drains, in short (see the backlog section), or
	 * {@code null} when the evaluator is off
	 * @param limits the limits in force
	 */
	public record HarvestDescriptor(HarvestState state, boolean paused, String name, String outboxTable,
			String leaderGroupId, String leaderTopic, boolean leader, @Nullable UUID leaderId, long epoch,
			int inFlightRecords, List<String> inFlightKeys, boolean inFlightKeysTruncated, int queuedRecords,
			int heldKeys, MeterStats meter, @Nullable HarvestError lastError, @Nullable BacklogSummary backlog,
			LimitsDescriptor limits)
			implements OperationResponseBody {

	}

	/**
	 * The limits in force, with durations as ISO-8601 text.
	 *
	 * @param heartbeatTimeout leader heartbeat timeout
	 * @param maxPollInterval longest gap between leader polls
	 * @param queueTimeout stall report threshold
	 * @param markQueryRecords rows per mark
	 * @param maxInFlightRecords in-flight cap
	 * @param maxQueuedRecords queued cap
	 * @param sendConcurrency sender shards
	 * @param sendBuffer per-shard buffer
	 * @param drainTimeout longest drain on revoke or stop
	 * @param maxMarkBackoff longest idle pause between marks
	 */
	public record LimitsDescriptor(Duration heartbeatTimeout, Duration maxPollInterval, Duration queueTimeout,
			int markQueryRecords, int maxInFlightRecords, int maxQueuedRecords, int sendConcurrency, int sendBuffer,
			Duration drainTimeout, Duration maxMarkBackoff) {

		static LimitsDescriptor of(Limits limits) {
			return new LimitsDescriptor(limits.heartbeatTimeout(), limits.maxPollInterval(), limits.queueTimeout(),
					limits.markQueryRecords(), limits.maxInFlightRecords(), limits.maxQueuedRecords(),
					limits.sendConcurrency(), limits.sendBuffer(), limits.drainTimeout(), limits.maxMarkBackoff());
		}

	}

}
