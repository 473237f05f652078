/**
 * An error as the Cognito API answers it: its `name` is the `__type` on the wire and the SDK's
 * exception name, so a client's `catch` sees what it would see against AWS.
 */
export type CognitoErrorName =
  | 'NotAuthorizedException'
  | 'UserNotFoundException'
  | 'UsernameExistsException'
  | 'UserLambdaValidationException'
  | 'InvalidLambdaResponseException'
  | 'InvalidParameterException'
  | 'ResourceNotFoundException'
  | 'UnsupportedOperationException'
  | 'UnknownOperationException'
  | 'SerializationException'
  | 'InternalErrorException';

export class CognitoError extends Error {
  constructor(
    override readonly name: CognitoErrorName,
    message: string,
  ) {
    super(message);
  }

  /** Cognito answers 400 for everything a caller did, 500 only for its own faults. */
  get statusCode(): number {
    return this.name === 'InternalErrorException' ? 500 : 400;
  }
}
