package io.tributary.benchmarks;

import java.util.SplittableRandom;

/**
 * How the commands of a run pick their account: uniformly over all accounts, or by a Zipf law
 * where the account of rank {@code k} is drawn with weight {@code 1 / k^s}. Immutable.
 */
final class Workload {
  private final String name;
  private final int accounts;
  private final double[] cumulative;

  private Workload(String name, int accounts, double[] cumulative) {
    this.name = name;
    this.accounts = accounts;
    this.cumulative = cumulative;
  }

  static Workload uniform(int accounts) {
    return new Workload("uniform", accounts, new double[0]);
  }

  static Workload zipf(int accounts, double exponent) {
    double[] cumulative = new double[accounts];
    double total = 0;
    for (int rank = 1; rank <= accounts; rank++) {
      total += 1 / Math.pow(rank, exponent);
      cumulative[rank - 1] = total;
    }
    for (int i = 0; i < accounts; i++) {
      cumulative[i] /= total;
    }
    return new Workload("zipf-" + exponent, accounts, cumulative);
  }

  String name() {
    return name;
  }

  /** @return the index of the next account, in {@code [0, accounts)} */
  int nextAccount(SplittableRandom random) {
    if (cumulative.length == 0) {
      return random.nextInt(accounts);
    }
    double u = random.nextDouble();
    int low = 0;
    int high = accounts - 1;
    while (low < high) {
      int middle = (low + high) >>> 1;
      if (cumulative[middle] < u) {
        low = middle + 1;
      } else {
        high = middle;
      }
    }
    return low;
  }
}
