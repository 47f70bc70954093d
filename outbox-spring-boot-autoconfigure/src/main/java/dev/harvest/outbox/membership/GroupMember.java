package dev.harvest.outbox.membership;

import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * One member of the leader group, as the group coordinator describes it.
 *
 * @param memberId the member id the coordinator gave the member's consumer
 * @param clientId the consumer's client id, {@code <prefix>-neli-<instance name>} for Harvest
 * @param host the address the member connects from
 * @param groupInstanceId the static member id, or {@code null} for a dynamic member
 * @param instanceName the Harvest instance name taken from the client id, or {@code null}
 * when the client id does not follow Harvest's pattern
 * @param assignment the member's partitions, as {@code topic-partition}
 * @param leader whether the member holds partition 0 of the leader topic
 * @param self whether the member is this instance's election consumer
 */
public record GroupMember(String memberId, String clientId, String host, @Nullable String groupInstanceId,
		@Nullable String instanceName, List<String> assignment, boolean leader, boolean self) {

	public GroupMember {
		assignment = List.copyOf(assignment);
	}

}
