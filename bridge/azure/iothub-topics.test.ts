import { describe, expect, it } from 'vitest';
import { parseDeviceRequest, parsePropertyBag, propertyBag, topicMatches, twinResponse } from './iothub-topics.js';

describe('IoT Hub topics', () => {
  it('tells the device\'s requests apart', () => {
    expect(parseDeviceRequest('$iothub/twin/GET/?$rid=7')).toEqual({ kind: 'twin-get', rid: '7' });
    expect(parseDeviceRequest('$iothub/twin/PATCH/properties/reported/?$rid=a1')).toEqual({ kind: 'reported-patch', rid: 'a1' });
    expect(parseDeviceRequest('$iothub/methods/res/200/?$rid=3')).toEqual({ kind: 'method-response', rid: '3', status: 200 });
    expect(parseDeviceRequest('$iothub/twin/GET/')).toBeUndefined();
    expect(parseDeviceRequest('$iothub/other/?$rid=1')).toBeUndefined();
  });

  it('builds responses and property bags', () => {
    expect(twinResponse(204, '5', 3)).toBe('$iothub/twin/res/204/?$rid=5&$version=3');
    expect(twinResponse(200, '5')).toBe('$iothub/twin/res/200/?$rid=5');
    expect(propertyBag({ '$.to': '/devices/d', a: 'b c' })).toBe('%24.to=%2Fdevices%2Fd&a=b%20c');
    expect(parsePropertyBag('%24.to=%2Fdevices%2Fd&a=b%20c')).toEqual({ '$.to': '/devices/d', a: 'b c' });
  });

  it('matches topic filters, keeping $ topics away from leading wildcards', () => {
    expect(topicMatches('$iothub/twin/res/#', '$iothub/twin/res/200/?$rid=1')).toBe(true);
    expect(topicMatches('$iothub/methods/POST/+/?$rid=1', '$iothub/methods/POST/reboot/?$rid=1')).toBe(true);
    expect(topicMatches('#', '$iothub/twin/res/200/?$rid=1')).toBe(false);
    expect(topicMatches('a/+', 'a/b/c')).toBe(false);
  });
});
