package dev.harvest.benchmarks;

/**
 * CPU used over a stretch of time.
 *
 * @param wallSeconds elapsed time
 * @param processSeconds CPU seconds of this JVM (Harvest, and the load generator where there is one)
 * @param serverSeconds CPU seconds of PostgreSQL and Kafka when they run in the server process tree,
 * otherwise NaN
 * @param machineBusyFraction share of all the machine's CPU time that was busy, whoever used it
 */
record CpuUsage(double wallSeconds, double processSeconds, double serverSeconds, double machineBusyFraction) {

}
