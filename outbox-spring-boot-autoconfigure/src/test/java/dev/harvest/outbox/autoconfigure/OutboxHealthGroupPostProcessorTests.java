package dev.harvest.outbox.autoconfigure;

import java.util.List;
import java.util.Map;
import java.util.Set;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

import org.springframework.boot.actuate.endpoint.EndpointId;
import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.boot.actuate.endpoint.web.AdditionalPathsMapper;
import org.springframework.boot.actuate.endpoint.web.WebServerNamespace;
import org.springframework.boot.health.actuate.endpoint.AdditionalHealthEndpointPath;
import org.springframework.boot.health.actuate.endpoint.HealthEndpointGroup;
import org.springframework.boot.health.actuate.endpoint.HealthEndpointGroups;
import org.springframework.boot.health.actuate.endpoint.HttpCodeStatusMapper;
import org.springframework.boot.health.actuate.endpoint.SimpleHttpCodeStatusMapper;
import org.springframework.boot.health.actuate.endpoint.SimpleStatusAggregator;
import org.springframework.boot.health.actuate.endpoint.StatusAggregator;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link OutboxHealthGroupPostProcessor}.
 */
class OutboxHealthGroupPostProcessorTests {

	private final OutboxHealthGroupPostProcessor postProcessor = new OutboxHealthGroupPostProcessor();

	private final FixedGroup primary = new FixedGroup(true, null, "*");

	private final FixedGroup liveness = new FixedGroup(false, AdditionalHealthEndpointPath.of(WebServerNamespace.SERVER, "/livez"),
			"livenessState");

	@Test
	void outboxGroupHoldsTheHarvestIndicatorAloneAndShowsWhatThePrimaryShows() {
		HealthEndpointGroups groups = this.postProcessor
			.postProcessHealthEndpointGroups(HealthEndpointGroups.of(this.primary, Map.of("liveness", this.liveness)));
		assertThat(groups.getNames()).containsExactlyInAnyOrder("liveness", "outbox");
		HealthEndpointGroup outbox = groups.get("outbox");
		assertThat(outbox.isMember("harvest")).isTrue();
		assertThat(outbox.isMember("db")).isFalse();
		assertThat(outbox.showDetails(SecurityContext.NONE)).isTrue();
		assertThat(outbox.getStatusAggregator()).isSameAs(this.primary.getStatusAggregator());
		assertThat(outbox.getAdditionalPath()).isNull();
		assertThat(groups.getPrimary()).isSameAs(this.primary);
	}

	@Test
	void harvestIndicatorStaysOutOfTheOtherGroups() {
		HealthEndpointGroups groups = this.postProcessor
			.postProcessHealthEndpointGroups(HealthEndpointGroups.of(this.primary, Map.of("liveness", this.liveness)));
		assertThat(groups.get("liveness")).isSameAs(this.liveness);
		assertThat(groups.get("liveness").isMember("harvest")).isFalse();
	}

	@Test
	void applicationGroupNamedOutboxIsKept() {
		FixedGroup own = new FixedGroup(false, null, "db");
		HealthEndpointGroups original = HealthEndpointGroups.of(this.primary, Map.of("outbox", own));
		assertThat(this.postProcessor.postProcessHealthEndpointGroups(original)).isSameAs(original);
	}

	@Test
	void additionalPathsOfTheOtherGroupsAreKept() {
		HealthEndpointGroups groups = this.postProcessor
			.postProcessHealthEndpointGroups(new MappedGroups(HealthEndpointGroups.of(this.primary, Map.of())));
		assertThat(groups).isInstanceOf(AdditionalPathsMapper.class);
		assertThat(((AdditionalPathsMapper) groups).getAdditionalPaths(EndpointId.of("health"),
				WebServerNamespace.SERVER))
			.containsExactly("/livez");
	}

	/**
	 * A group with fixed members.
	 */
	private record FixedGroup(boolean details, @Nullable AdditionalHealthEndpointPath path, String... members)
			implements HealthEndpointGroup {

		private static final StatusAggregator AGGREGATOR = new SimpleStatusAggregator();

		private static final HttpCodeStatusMapper MAPPER = new SimpleHttpCodeStatusMapper();

		@Override
		public boolean isMember(String name) {
			return Set.of(this.members).contains(name) || Set.of(this.members).contains("*");
		}

		@Override
		public boolean showComponents(SecurityContext securityContext) {
			return this.details;
		}

		@Override
		public boolean showDetails(SecurityContext securityContext) {
			return this.details;
		}

		@Override
		public StatusAggregator getStatusAggregator() {
			return AGGREGATOR;
		}

		@Override
		public HttpCodeStatusMapper getHttpCodeStatusMapper() {
			return MAPPER;
		}

		@Override
		public @Nullable AdditionalHealthEndpointPath getAdditionalPath() {
			return this.path;
		}

	}

	/**
	 * Groups that map an additional path, as Boot's probe groups do.
	 */
	private record MappedGroups(HealthEndpointGroups groups) implements HealthEndpointGroups, AdditionalPathsMapper {

		@Override
		public HealthEndpointGroup getPrimary() {
			return this.groups.getPrimary();
		}

		@Override
		public Set<String> getNames() {
			return this.groups.getNames();
		}

		@Override
		public @Nullable HealthEndpointGroup get(String name) {
			return this.groups.get(name);
		}

		@Override
		public List<String> getAdditionalPaths(EndpointId endpointId, WebServerNamespace webServerNamespace) {
			return List.of("/livez");
		}

	}

}
