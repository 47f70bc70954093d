package dev.harvest.outbox.autoconfigure;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.core.io.ClassPathResource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for the auto-configuration imports file.
 */
class AutoConfigurationImportsTests {

	private static final String IMPORTS = "META-INF/spring/org.springframework.boot.autoconfigure.AutoConfiguration.imports";

	@Test
	void importsFileListsAtLeastOneAutoConfiguration() throws IOException {
		assertThat(entries()).isNotEmpty();
	}

	@Test
	void everyEntryIsAnExistingAutoConfigurationClass() throws Exception {
		for (String entry : entries()) {
			Class<?> type = Class.forName(entry);
			assertThat(type.isAnnotationPresent(AutoConfiguration.class)).as("%s is @AutoConfiguration", entry)
				.isTrue();
			assertThat(java.lang.reflect.Modifier.isFinal(type.getModifiers())).as("%s is final", entry).isTrue();
			assertThat(java.lang.reflect.Modifier.isPublic(type.getModifiers())).as("%s is public", entry).isTrue();
		}
	}

	@Test
	void entriesAreSortedAndUnique() throws IOException {
		List<String> entries = entries();
		assertThat(entries).isSorted().doesNotHaveDuplicates();
	}

	private static List<String> entries() throws IOException {
		try (InputStream in = new ClassPathResource(IMPORTS).getInputStream()) {
			return Arrays.stream(new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n"))
				.map(String::trim)
				.filter((line) -> !line.isEmpty() && !line.startsWith("#"))
				.toList();
		}
	}

}
