package dev.harvest.benchmarks;

import java.nio.file.Path;

/**
 * How to start another JVM like this one: the same {@code java} binary and class path.
 */
final class JavaProcess {

	private JavaProcess() {
	}

	static String javaBinary() {
		return Path.of(System.getProperty("java.home"), "bin", "java").toString();
	}

	static String classPath() {
		return System.getProperty("java.class.path");
	}

}
