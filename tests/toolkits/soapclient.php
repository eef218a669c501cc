<?php
// One SOAP call through PHP's own SoapClient (ext-soap), as a PHP shop would make it: the client
// built from the served WSDL alone, no class map, no option but the WSDL cache off.
// Reads {"wsdl", "operation", "arguments", "header": {"namespace", "token"} | null} as JSON on stdin;
// writes {"functions", "result"} or {"functions", "fault": {"code", "string", "detail"}} as JSON.
$call = json_decode(stream_get_contents(STDIN), true, 512, JSON_THROW_ON_ERROR);
$client = new SoapClient($call['wsdl'], ['cache_wsdl' => WSDL_CACHE_NONE, 'exceptions' => true,
                                         'features' => SOAP_SINGLE_ELEMENT_ARRAYS]);
$answer = ['functions' => $client->__getFunctions()];
if (!empty($call['header'])) {
    $client->__setSoapHeaders([new SoapHeader($call['header']['namespace'], 'SessionHeader',
                                              ['token' => $call['header']['token']])]);
}
if (!empty($call['operation'])) {
    try {
        // document/literal wrapped: the operation's one argument is its request element's children
        $answer['result'] = $client->__soapCall($call['operation'], [(object) ($call['arguments'] ?? [])]);
    } catch (SoapFault $fault) {
        $answer['fault'] = ['code' => $fault->faultcode, 'string' => $fault->faultstring,
                            'detail' => $fault->detail ?? null];
    }
}
echo json_encode($answer, JSON_THROW_ON_ERROR | JSON_UNESCAPED_UNICODE | JSON_PRESERVE_ZERO_FRACTION);
