package dev.ecrgate.image;

/**
 * A private Amazon ECR registry, as named by an image host such as
 * {@code 111122223333.dkr.ecr.us-east-1.amazonaws.com}.
 *
 * @param account   the 12-digit AWS account ID (the {@code registryId} of ECR API calls)
 * @param region    the AWS region, for example {@code us-east-1}
 * @param dnsSuffix the partition's DNS suffix, for example {@code amazonaws.com}, {@code amazonaws.com.cn},
 *                  {@code on.aws}, {@code sc2s.sgov.gov}
 * @param fips      whether the host is a FIPS endpoint ({@code dkr.ecr-fips} or {@code dkr-ecr-fips})
 * @param dualStack whether the host is a dual-stack endpoint ({@code dkr-ecr.<region>.on.aws} and its forms)
 */
public record EcrRegistry(String account, String region, String dnsSuffix, boolean fips, boolean dualStack) {
}
