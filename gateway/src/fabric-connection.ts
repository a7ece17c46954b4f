import { Type, type Static } from '@sinclair/typebox';

const Text = Type.String({ minLength: 1 });

/**
 * network.sh's connection file (FABRIC_CONNECTION): the channel, the chaincode, each
 * organisation's peer and its users' certificate and key files. The operator's file, so it is
 * checked against this before it is used; a module of its own so reading it loads no gRPC.
 */
export const FabricConnectionSchema = Type.Object({
  channel: Text,
  chaincode: Text,
  peers: Type.Record(Type.String(), Type.Object({ endpoint: Text, hostAlias: Text, tlsCACert: Text })),
  identities: Type.Record(Type.String(), Type.Record(Type.String(), Type.Object({ cert: Text, key: Text }))),
});
export type FabricConnection = Static<typeof FabricConnectionSchema>;
