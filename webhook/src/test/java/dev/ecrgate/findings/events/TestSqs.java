package dev.ecrgate.findings.events;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.crt.AwsCrtAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

/** Test-side SQS calls to moto: make queues (with a dead-letter queue), send events, look at what is left. */
final class TestSqs implements AutoCloseable {
    static final StaticCredentialsProvider CREDENTIALS =
            StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDTEST", "secret"));

    private final SqsAsyncClient sqs;

    TestSqs(URI endpoint) {
        sqs = SqsAsyncClient.builder().endpointOverride(endpoint).region(Region.US_EAST_1)
                .credentialsProvider(CREDENTIALS)
                .httpClient(AwsCrtAsyncHttpClient.builder().connectionTimeout(Duration.ofSeconds(2)).build()).build();
    }

    /** A queue whose messages go to a dead-letter queue of its own after {@code maxReceiveCount} receives. */
    Queue create(String name, int visibilitySeconds, int maxReceiveCount) {
        String dlq = sqs.createQueue(r -> r.queueName(name + "-dlq")).join().queueUrl();
        String dlqArn = sqs.getQueueAttributes(r -> r.queueUrl(dlq).attributeNames(QueueAttributeName.QUEUE_ARN))
                .join().attributes().get(QueueAttributeName.QUEUE_ARN);
        String url = sqs.createQueue(r -> r.queueName(name).attributes(Map.of(
                QueueAttributeName.VISIBILITY_TIMEOUT, Integer.toString(visibilitySeconds),
                QueueAttributeName.REDRIVE_POLICY, "{\"deadLetterTargetArn\":\"" + dlqArn + "\",\"maxReceiveCount\":"
                        + maxReceiveCount + "}"))).join().queueUrl();
        return new Queue(url, dlq);
    }

    record Queue(String url, String deadLetters) {
    }

    void send(String url, String body) {
        sqs.sendMessage(r -> r.queueUrl(url).messageBody(body)).join();
    }

    /** Sends in batches of 10, as fast as the queue takes them. */
    void sendAll(String url, List<String> bodies) {
        for (int i = 0; i < bodies.size(); i += 10) {
            List<SendMessageBatchRequestEntry> entries = new ArrayList<>();
            for (int j = i; j < Math.min(bodies.size(), i + 10); j++) {
                entries.add(SendMessageBatchRequestEntry.builder().id("m" + j).messageBody(bodies.get(j)).build());
            }
            var response = sqs.sendMessageBatch(r -> r.queueUrl(url).entries(entries)).join();
            if (!response.failed().isEmpty()) {
                throw new IllegalStateException("moto refused " + response.failed());
            }
        }
    }

    /** Visible plus in-flight messages. */
    int messages(String url) {
        Map<QueueAttributeName, String> a = sqs.getQueueAttributes(r -> r.queueUrl(url).attributeNames(
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE)).join().attributes();
        return Integer.parseInt(a.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES))
                + Integer.parseInt(a.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE));
    }

    /** Reads (and deletes) what is in the queue now. */
    List<Message> drain(String url) {
        List<Message> out = new ArrayList<>();
        while (true) {
            List<Message> batch = sqs.receiveMessage(r -> r.queueUrl(url).maxNumberOfMessages(10)
                    .waitTimeSeconds(0)).join().messages();
            if (batch.isEmpty()) {
                return out;
            }
            for (Message m : batch) {
                sqs.deleteMessage(r -> r.queueUrl(url).receiptHandle(m.receiptHandle())).join();
            }
            out.addAll(batch);
        }
    }

    @Override
    public void close() {
        sqs.close();
    }
}
