package dev.harvest.outbox.autoconfigure;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.actuate.endpoint.EndpointId;
import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.boot.actuate.endpoint.web.AdditionalPathsMapper;
import org.springframework.boot.actuate.endpoint.web.WebServerNamespace;
import org.springframework.boot.health.actuate.endpoint.AdditionalHealthEndpointPath;
import org.springframework.boot.health.actuate.endpoint.HealthEndpointGroup;
import org.springframework.boot.health.actuate.endpoint.HealthEndpointGroups;
import org.springframework.boot.health.actuate.endpoint.HealthEndpointGroupsPostProcessor;
import org.springframework.boot.health.actuate.endpoint.HttpCodeStatusMapper;
import org.springframework.boot.health.actuate.endpoint.StatusAggregator;

/**
 * Adds the health group {@value #GROUP} ({@code /actuator/health/outbox}) holding the
 * {@code harvest} indicator alone, unless the application defines a group of that name
 * itself. Boot refuses a group named like one of its members, hence not {@code harvest}. No
 * other group is touched: the indicator is in neither liveness nor readiness unless the
 * application puts it there.
 */
final class OutboxHealthGroupPostProcessor implements HealthEndpointGroupsPostProcessor {

	/** The name of the group. */
	static final String GROUP = "outbox";

	/** The name of the harvest health indicator. */
	static final String INDICATOR = "harvest";

	@Override
	public HealthEndpointGroups postProcessHealthEndpointGroups(HealthEndpointGroups groups) {
		return (groups.get(GROUP) != null) ? groups : new WithOutboxGroup(groups);
	}

	/**
	 * The application's groups and the outbox group.
	 */
	private static final class WithOutboxGroup implements HealthEndpointGroups, AdditionalPathsMapper {

		private final HealthEndpointGroups groups;

		private final HealthEndpointGroup outbox;

		private final Set<String> names;

		WithOutboxGroup(HealthEndpointGroups groups) {
			this.groups = groups;
			this.outbox = new OutboxGroup(groups.getPrimary());
			Set<String> names = new LinkedHashSet<>(groups.getNames());
			names.add(GROUP);
			this.names = Set.copyOf(names);
		}

		@Override
		public HealthEndpointGroup getPrimary() {
			return this.groups.getPrimary();
		}

		@Override
		public Set<String> getNames() {
			return this.names;
		}

		@Override
		public @Nullable HealthEndpointGroup get(String name) {
			return GROUP.equals(name) ? this.outbox : this.groups.get(name);
		}

		@Override
		public @Nullable List<String> getAdditionalPaths(EndpointId endpointId,
				WebServerNamespace webServerNamespace) {
			// The outbox group has no additional path; keep those of the others, such as /livez.
			return (this.groups instanceof AdditionalPathsMapper mapper)
					? mapper.getAdditionalPaths(endpointId, webServerNamespace) : null;
		}

	}

	/**
	 * The harvest indicator alone, shown as the primary group shows its members.
	 */
	private static final class OutboxGroup implements HealthEndpointGroup {

		private final HealthEndpointGroup primary;

		OutboxGroup(HealthEndpointGroup primary) {
			this.primary = primary;
		}

		@Override
		public boolean isMember(String name) {
			return INDICATOR.equals(name);
		}

		@Override
		public boolean showComponents(SecurityContext securityContext) {
			return this.primary.showComponents(securityContext);
		}

		@Override
		public boolean showDetails(SecurityContext securityContext) {
			return this.primary.showDetails(securityContext);
		}

		@Override
		public StatusAggregator getStatusAggregator() {
			return this.primary.getStatusAggregator();
		}

		@Override
		public HttpCodeStatusMapper getHttpCodeStatusMapper() {
			return this.primary.getHttpCodeStatusMapper();
		}

		@Override
		public @Nullable AdditionalHealthEndpointPath getAdditionalPath() {
			return null;
		}

	}

}
